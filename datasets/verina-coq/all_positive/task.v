(* all_positive: Return true exactly when every element of l is strictly positive. *)

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

Definition allPositive_precond (l : list Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition allPositive (l : list Z) : bool :=
(* !benchmark @start code *)
  forallb (fun x => 0 <? x) l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition allPositive_postcond (l : list Z) (result : bool) : Prop :=
(* !benchmark @start postcond *)
  result = true <-> Forall (fun x => 0 < x) l
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem allPositive_postcond_satisfied (l : list Z) (h_precond : allPositive_precond l) :
  allPositive_postcond l (allPositive l).
Proof.
(* !benchmark @start proof *)
  unfold allPositive_postcond, allPositive. rewrite forallb_forall, Forall_forall.
  split; intros H y Hy; specialize (H y Hy); [apply Z.ltb_lt in H | apply Z.ltb_lt]; exact H.
(* !benchmark @end proof *)
Qed.
