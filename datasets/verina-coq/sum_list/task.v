(* sum_list: Return the sum of the elements of the list l. *)

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

Definition sumList_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)
Fixpoint sum_aux (l : list Z) : Z :=
  match l with
  | [] => 0
  | x :: t => x + sum_aux t
  end.
(* !benchmark @end code_aux *)

Definition sumList (l : list Z) : Z :=
(* !benchmark @start code *)
  sum_aux l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition sumList_postcond (l : list Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  result = fold_right Z.add 0 l
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem sumList_postcond_satisfied (l : list Z) (h_precond : sumList_precond l) :
  sumList_postcond l (sumList l).
Proof.
(* !benchmark @start proof *)
  unfold sumList_postcond, sumList. clear h_precond. induction l as [|x t IH]; simpl; lia.
(* !benchmark @end proof *)
Qed.
