(* is_even: Return true exactly when n is even. *)

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

Definition isEven_precond (n : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition isEven (n : Z) : bool :=
(* !benchmark @start code *)
  Z.eqb (n mod 2) 0
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition isEven_postcond (n : Z) (result : bool) : Prop :=
(* !benchmark @start postcond *)
  result = true <-> n mod 2 = 0
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem isEven_postcond_satisfied (n : Z) (h_precond : isEven_precond n) :
  isEven_postcond n (isEven n).
Proof.
(* !benchmark @start proof *)
  unfold isEven_postcond, isEven. apply Z.eqb_eq.
(* !benchmark @end proof *)
Qed.
