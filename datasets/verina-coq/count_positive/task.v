(* count_positive: Return how many elements of l are strictly positive. *)

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

Definition countPositive_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)
Fixpoint cp_aux (l : list Z) : nat :=
  match l with
  | [] => O
  | x :: t => if 0 <? x then S (cp_aux t) else cp_aux t
  end.
(* !benchmark @end code_aux *)

Definition countPositive (l : list Z) : nat :=
(* !benchmark @start code *)
  cp_aux l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition countPositive_postcond (l : list Z) (result : nat) : Prop :=
(* !benchmark @start postcond *)
  result = length (filter (fun x => 0 <? x) l)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem countPositive_postcond_satisfied (l : list Z) (h_precond : countPositive_precond l) :
  countPositive_postcond l (countPositive l).
Proof.
(* !benchmark @start proof *)
  unfold countPositive_postcond, countPositive. clear h_precond. induction l as [|x t IH]; simpl; [reflexivity |].
  destruct (0 <? x); simpl; rewrite IH; reflexivity.
(* !benchmark @end proof *)
Qed.
