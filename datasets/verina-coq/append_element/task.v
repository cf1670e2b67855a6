(* append_element: Return l with x added at its end. *)

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

Definition appendElement_precond (l : list Z) (x : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition appendElement (l : list Z) (x : Z) : list Z :=
(* !benchmark @start code *)
  l ++ [x]
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition appendElement_postcond (l : list Z) (x : Z) (result : list Z) : Prop :=
(* !benchmark @start postcond *)
  length result = S (length l) /\ nth (length l) result 0 = x /\ forall i, (i < length l)%nat -> nth i result 0 = nth i l 0
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem appendElement_postcond_satisfied (l : list Z) (x : Z) (h_precond : appendElement_precond l x) :
  appendElement_postcond l x (appendElement l x).
Proof.
(* !benchmark @start proof *)
  unfold appendElement_postcond, appendElement. split; [| split].
  - rewrite app_length. simpl. lia.
  - rewrite app_nth2 by lia. rewrite Nat.sub_diag. reflexivity.
  - intros i Hi. apply app_nth1. exact Hi.
(* !benchmark @end proof *)
Qed.
