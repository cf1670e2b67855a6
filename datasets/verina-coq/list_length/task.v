(* list_length: Return the number of elements of l. *)

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

Definition listLength_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)
Fixpoint len_aux (l : list Z) : nat :=
  match l with
  | [] => O
  | _ :: t => S (len_aux t)
  end.
(* !benchmark @end code_aux *)

Definition listLength (l : list Z) : nat :=
(* !benchmark @start code *)
  len_aux l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition listLength_postcond (l : list Z) (result : nat) : Prop :=
(* !benchmark @start postcond *)
  result = length l
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem listLength_postcond_satisfied (l : list Z) (h_precond : listLength_precond l) :
  listLength_postcond l (listLength l).
Proof.
(* !benchmark @start proof *)
  unfold listLength_postcond, listLength. clear h_precond. induction l as [|x t IH]; simpl; congruence.
(* !benchmark @end proof *)
Qed.
