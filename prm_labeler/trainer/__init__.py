"""The PRM trainer, scorer and evaluator (issue 6).

- ``config``: ``PRMTrainConfig``, the options of `prm-label train` (no torch import).
- ``tokenize``: sample -> token ids and the token that carries each step's label (pure).
- ``data``: targets, the held-out split by problem, tokenized Arrow splits, the padding collator.
- ``train``: the loss and the ``transformers.Trainer`` run; saves an
  ``AutoModelForTokenClassification`` with ``num_labels=1`` (value head) or the fine-tuned causal
  LM (likelihood head, issue 7), and its tokenizer.
- ``likelihood``: step scores from a causal LM's token probabilities: the untrained baseline and
  the likelihood head.
- ``score_job``: `score` and `evaluate`'s I/O; ``load_scorer`` opens a PRM of either head.
- ``scoring``: per-step scores, solution-level aggregates, the dense per-line reward.
- ``metrics`` (pure) and ``evaluate``: MSE, sign accuracy, AUROC, ProcessBench first-error F1,
  best-of-N, PF-PPO R^2.

Modules that need torch import it themselves; importing this package does not.
"""
