(* swap_pair: Return the pair p with its two components exchanged. *)

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

Definition swapPair_precond (p : Z * Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition swapPair (p : Z * Z) : Z * Z :=
(* !benchmark @start code *)
  (snd p, fst p)
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition swapPair_postcond (p : Z * Z) (result : Z * Z) : Prop :=
(* !benchmark @start postcond *)
  fst result = snd p /\ snd result = fst p
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem swapPair_postcond_satisfied (p : Z * Z) (h_precond : swapPair_precond p) :
  swapPair_postcond p (swapPair p).
Proof.
(* !benchmark @start proof *)
  unfold swapPair_postcond, swapPair. split; reflexivity.
(* !benchmark @end proof *)
Qed.
