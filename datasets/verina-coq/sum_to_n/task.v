(* sum_to_n: Return 0 + 1 + ... + n. *)

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

Definition sumToN_precond (n : nat) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)
Fixpoint sum_to_aux (n : nat) : nat :=
  match n with
  | O => O
  | S k => (S k + sum_to_aux k)%nat
  end.
(* !benchmark @end code_aux *)

Definition sumToN (n : nat) : nat :=
(* !benchmark @start code *)
  sum_to_aux n
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition sumToN_postcond (n : nat) (result : nat) : Prop :=
(* !benchmark @start postcond *)
  (2 * result = n * (n + 1))%nat
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem sumToN_postcond_satisfied (n : nat) (h_precond : sumToN_precond n) :
  sumToN_postcond n (sumToN n).
Proof.
(* !benchmark @start proof *)
  unfold sumToN_postcond, sumToN. clear h_precond. induction n as [|k IH]; simpl; nia.
(* !benchmark @end proof *)
Qed.
