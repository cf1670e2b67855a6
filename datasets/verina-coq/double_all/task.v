(* double_all: Return the list with every element of l doubled, in order. *)

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

Definition doubleAll_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition doubleAll (l : list Z) : list Z :=
(* !benchmark @start code *)
  map (fun x => 2 * x) l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition doubleAll_postcond (l : list Z) (result : list Z) : Prop :=
(* !benchmark @start postcond *)
  length result = length l /\ forall i, (i < length l)%nat -> nth i result 0 = 2 * nth i l 0
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem doubleAll_postcond_satisfied (l : list Z) (h_precond : doubleAll_precond l) :
  doubleAll_postcond l (doubleAll l).
Proof.
(* !benchmark @start proof *)
  unfold doubleAll_postcond, doubleAll. split; [apply map_length |]. intros i _. clear h_precond. revert i.
  induction l as [|x t IH]; intros [|i]; simpl; try lia. apply IH.
(* !benchmark @end proof *)
Qed.
