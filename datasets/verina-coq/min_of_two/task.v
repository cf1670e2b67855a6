(* min_of_two: Return the smaller of two integers a and b. *)

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

Definition minOfTwo_precond (a : Z) (b : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition minOfTwo (a : Z) (b : Z) : Z :=
(* !benchmark @start code *)
  if a <? b then a else b
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition minOfTwo_postcond (a : Z) (b : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  result <= a /\ result <= b /\ (result = a \/ result = b)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem minOfTwo_postcond_satisfied (a : Z) (b : Z) (h_precond : minOfTwo_precond a b) :
  minOfTwo_postcond a b (minOfTwo a b).
Proof.
(* !benchmark @start proof *)
  unfold minOfTwo_postcond, minOfTwo. destruct (a <? b) eqn:E; [apply Z.ltb_lt in E | apply Z.ltb_ge in E]; lia.
(* !benchmark @end proof *)
Qed.
