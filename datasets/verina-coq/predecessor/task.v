(* predecessor: Return n - 1 for a positive natural number n. *)

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

Definition predecessor_precond (n : nat) : Prop :=
(* !benchmark @start precond *)
  (0 < n)%nat
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition predecessor (n : nat) : nat :=
(* !benchmark @start code *)
  (n - 1)%nat
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition predecessor_postcond (n : nat) (result : nat) : Prop :=
(* !benchmark @start postcond *)
  (result + 1 = n)%nat
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem predecessor_postcond_satisfied (n : nat) (h_precond : predecessor_precond n) :
  predecessor_postcond n (predecessor n).
Proof.
(* !benchmark @start proof *)
  unfold predecessor_postcond, predecessor, predecessor_precond in *. lia.
(* !benchmark @end proof *)
Qed.
