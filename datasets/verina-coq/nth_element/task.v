(* nth_element: Return the element at index i (from 0) of l; i is a valid index. *)

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

Definition nthElement_precond (l : list Z) (i : nat) : Prop :=
(* !benchmark @start precond *)
  (i < length l)%nat
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition nthElement (l : list Z) (i : nat) : Z :=
(* !benchmark @start code *)
  nth i l 0
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition nthElement_postcond (l : list Z) (i : nat) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  nth_error l i = Some result
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem nthElement_postcond_satisfied (l : list Z) (i : nat) (h_precond : nthElement_precond l i) :
  nthElement_postcond l i (nthElement l i).
Proof.
(* !benchmark @start proof *)
  unfold nthElement_postcond, nthElement, nthElement_precond in *. apply nth_error_nth'. exact h_precond.
(* !benchmark @end proof *)
Qed.
