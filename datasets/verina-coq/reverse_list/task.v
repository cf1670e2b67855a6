(* reverse_list: Return the elements of l in reverse order. *)

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

Definition reverseList_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition reverseList (l : list Z) : list Z :=
(* !benchmark @start code *)
  rev l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition reverseList_postcond (l : list Z) (result : list Z) : Prop :=
(* !benchmark @start postcond *)
  length result = length l /\ forall i, (i < length l)%nat -> nth i result 0 = nth (length l - 1 - i) l 0
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem reverseList_postcond_satisfied (l : list Z) (h_precond : reverseList_precond l) :
  reverseList_postcond l (reverseList l).
Proof.
(* !benchmark @start proof *)
  unfold reverseList_postcond, reverseList. split; [apply rev_length |]. intros i Hi.
  replace (length l - 1 - i)%nat with (length l - S i)%nat by lia. apply rev_nth. exact Hi.
(* !benchmark @end proof *)
Qed.
