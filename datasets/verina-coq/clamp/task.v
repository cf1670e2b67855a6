(* clamp: Clamp x to the interval [lo, hi], which is not empty. *)

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

Definition clamp_precond (x : Z) (lo : Z) (hi : Z) : Prop :=
(* !benchmark @start precond *)
  lo <= hi
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition clamp (x : Z) (lo : Z) (hi : Z) : Z :=
(* !benchmark @start code *)
  Z.max lo (Z.min x hi)
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition clamp_postcond (x : Z) (lo : Z) (hi : Z) (result : Z) : Prop :=
(* !benchmark @start postcond *)
  lo <= result <= hi /\ (x < lo -> result = lo) /\ (hi < x -> result = hi) /\ (lo <= x <= hi -> result = x)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem clamp_postcond_satisfied (x : Z) (lo : Z) (hi : Z) (h_precond : clamp_precond x lo hi) :
  clamp_postcond x lo hi (clamp x lo hi).
Proof.
(* !benchmark @start proof *)
  unfold clamp_postcond, clamp, clamp_precond in *. lia.
(* !benchmark @end proof *)
Qed.
