(* square: Return x multiplied by itself. *)

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

Definition square_precond (x : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition square (x : Z) : Z :=
(* !benchmark @start code *)
  x * x
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition square_postcond (x : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  result = x * x /\ 0 <= result
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem square_postcond_satisfied (x : Z) (h_precond : square_precond x) :
  square_postcond x (square x).
Proof.
(* !benchmark @start proof *)
  unfold square_postcond, square. split; [reflexivity | nia].
(* !benchmark @end proof *)
Qed.
