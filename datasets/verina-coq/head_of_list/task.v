(* head_of_list: Return the first element of the non-empty list l. *)

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

Definition headOfList_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  l <> []
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition headOfList (l : list Z) : Z :=
(* !benchmark @start code *)
  match l with [] => 0 | x :: _ => x end
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition headOfList_postcond (l : list Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  hd_error l = Some result
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem headOfList_postcond_satisfied (l : list Z) (h_precond : headOfList_precond l) :
  headOfList_postcond l (headOfList l).
Proof.
(* !benchmark @start proof *)
  unfold headOfList_postcond, headOfList, headOfList_precond in *. destruct l as [|x t].
  - contradiction.
  - reflexivity.
(* !benchmark @end proof *)
Qed.
