(* abs_value: Return the absolute value of the integer x. *)

(* !benchmark @start import type=task *)
Require Import Coq.ZArith.ZArith Coq.Lists.List Coq.micromega.Lia Coq.Bool.Bool.
Import ListNotations.
Open Scope Z_scope.
(* !benchmark @end import *)

(* !benchmark @start import type=solution *)

(* !benchmark @end import *)

(* !benchmark @start solution_aux *)

(* !benchmark @end solution_aux *)

(* !benchmark @start precond_aux *)

(* !benchmark @end precond_aux *)

Definition absValue_precond (x : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition absValue (x : Z) : Z :=
(* !benchmark @start code *)
  if x <? 0 then - x else x
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition absValue_postcond (x : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  0 <= result /\ (result = x \/ result = - x)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem absValue_postcond_satisfied (x : Z) (h_precond : absValue_precond x) :
  absValue_postcond x (absValue x).
Proof.
(* !benchmark @start proof *)
  unfold absValue_postcond, absValue. destruct (x <? 0) eqn:E; [apply Z.ltb_lt in E | apply Z.ltb_ge in E]; lia.
(* !benchmark @end proof *)
Qed.
