(* max_of_two: Return the larger of two integers a and b. *)

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

Definition maxOfTwo_precond (a : Z) (b : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition maxOfTwo (a : Z) (b : Z) : Z :=
(* !benchmark @start code *)
  if a <? b then b else a
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition maxOfTwo_postcond (a : Z) (b : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  a <= result /\ b <= result /\ (result = a \/ result = b)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem maxOfTwo_postcond_satisfied (a : Z) (b : Z) (h_precond : maxOfTwo_precond a b) :
  maxOfTwo_postcond a b (maxOfTwo a b).
Proof.
(* !benchmark @start proof *)
  unfold maxOfTwo_postcond, maxOfTwo. destruct (a <? b) eqn:E; [apply Z.ltb_lt in E | apply Z.ltb_ge in E]; lia.
(* !benchmark @end proof *)
Qed.
