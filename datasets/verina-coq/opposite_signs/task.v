(* opposite_signs: Return true exactly when one of a and b is negative and the other positive; zero has no sign. *)

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

Definition hasOppositeSign_precond (a : Z) (b : Z) : Prop :=
(* !benchmark @start precond *)
  True
(* !benchmark @end precond *)
.

(* !benchmark @start code_aux *)

(* !benchmark @end code_aux *)

Definition hasOppositeSign (a : Z) (b : Z) : bool :=
(* !benchmark @start code *)
  a * b <? 0
(* !benchmark @end code *)
.

(* !benchmark @start postcond_aux *)

(* !benchmark @end postcond_aux *)

Definition hasOppositeSign_postcond (a : Z) (b : Z) (result : bool) : Prop :=
(* !benchmark @start postcond *)
  result = true <-> (a < 0 < b \/ b < 0 < a)
(* !benchmark @end postcond *)
.

(* !benchmark @start proof_aux *)

(* !benchmark @end proof_aux *)

Theorem hasOppositeSign_postcond_satisfied (a : Z) (b : Z) (h_precond : hasOppositeSign_precond a b) :
  hasOppositeSign_postcond a b (hasOppositeSign a b).
Proof.
(* !benchmark @start proof *)
  unfold hasOppositeSign_postcond, hasOppositeSign. rewrite Z.ltb_lt. split; intro H.
  - destruct (Z.lt_trichotomy a 0) as [Ha|[Ha|Ha]]; destruct (Z.lt_trichotomy b 0) as [Hb|[Hb|Hb]]; subst; nia.
  - destruct H; nia.
(* !benchmark @end proof *)
Qed.
