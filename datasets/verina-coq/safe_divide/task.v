(* safe_divide: Return the floor of a divided by b, for a positive divisor b. *)

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

Definition safeDivide_precond (a : Z) (b : Z) : Prop :=
(* !benchmark @start precond *)
  b > 0
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition safeDivide (a : Z) (b : Z) : Z :=
(* !benchmark @start code *)
  a / b
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition safeDivide_postcond (a : Z) (b : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  b * result <= a < b * result + b
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem safeDivide_postcond_satisfied (a : Z) (b : Z) (h_precond : safeDivide_precond a b) :
  safeDivide_postcond a b (safeDivide a b).
Proof.
(* !benchmark @start proof *)
  unfold safeDivide_postcond, safeDivide, safeDivide_precond in *.
  pose proof (Z.div_mod a b ltac:(lia)). pose proof (Z.mod_pos_bound a b ltac:(lia)). nia.
(* !benchmark @end proof *)
Qed.
