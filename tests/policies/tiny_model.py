"""A tiny causal LM built from a config: random weights, a real byte-level BPE tokenizer.

It is saved with ``save_pretrained`` and loaded back with ``AutoTokenizer`` /
``AutoModelForCausalLM.from_pretrained`` — the path a real model takes — so the policies,
the critic and the server run their real code on it. Its outputs are junk (random weights);
tests check properties (log-probs, determinism, stop sequences, accounting), not usefulness.
"""

from __future__ import annotations

from pathlib import Path

# Coq text the BPE merges are learnt from; any text still tokenizes (every byte is in the vocab).
_CORPUS = """
Theorem add_0_r : forall n : nat, n + 0 = n.
Proof. intros n. induction n as [| n IH]; simpl. - reflexivity. - rewrite IH. reflexivity. Qed.
Lemma app_nil_r : forall (A : Type) (l : list A), l ++ nil = l.
Proof. intros A l. induction l; simpl; auto. rewrite IHl. reflexivity. Qed.
Theorem and_comm : forall P Q : Prop, P /\\ Q -> Q /\\ P.
Proof. intros P Q [HP HQ]. split; assumption. Qed.
(* Theorem: *) (* Premises: *) (* Goals: *) (* Next tactic: *) (* Proof: *)
intros. simpl. auto. lia. congruence. destruct. apply. exact. rewrite. unfold. split. assumption.
"""

VOCAB_SIZE = 400
CHAT_TEMPLATE = (
    "{% for m in messages %}(* {{ m['role'] }}: *)\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}(* assistant: *)\n{% endif %}"
)


def build_tiny_model(directory: Path, seed: int = 0) -> Path:
    """Write a ~0.2M-parameter GPT-2 and its tokenizer to `directory`; return the directory."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>",
                                        bos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=48, n_layer=2, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
