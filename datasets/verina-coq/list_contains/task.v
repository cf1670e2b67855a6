(* list_contains: Return true exactly when x occurs in l. *)

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

Definition listContains_precond (l : list Z) (x : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition listContains (l : list Z) (x : Z) : bool :=
(* !benchmark @start code *)
  existsb (Z.eqb x) l
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition listContains_postcond (l : list Z) (x : Z) (result : bool) : Prop :=
(* !benchmark @start postcond *)
  result = true <-> In x l
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem listContains_postcond_satisfied (l : list Z) (x : Z) (h_precond : listContains_precond l x) :
  listContains_postcond l x (listContains l x).
Proof.
(* !benchmark @start proof *)
  unfold listContains_postcond, listContains. rewrite existsb_exists. split.
  - intros [y [Hy E]]. apply Z.eqb_eq in E. subst. exact Hy.
  - intros H. exists x. split; [exact H | apply Z.eqb_refl].
(* !benchmark @end proof *)
Qed.
