"""What the Generation and NER pages show while no model is given.

No package this app installs ships a generation model or a token classifier
(the MiniLM encoder has neither head, and a head trained here in seconds would
tag or write nonsense), so these pages say exactly what to type, show a worked
example of the folder ``from_pretrained`` expects, and offer a small sample
data file in the format the page reads.
"""

from __future__ import annotations

import streamlit as st

SAVE_COMMAND = (
    "from transformers import {auto}, AutoTokenizer\n"
    'name, folder = "{hub_id}", "{folder}"\n'
    "{auto}.from_pretrained(name).save_pretrained(folder)\n"
    "AutoTokenizer.from_pretrained(name).save_pretrained(folder)"
)
GENERATION_FOLDER = """\
/models/t5-small/
├── config.json              # "architectures": ["T5ForConditionalGeneration"]
├── generation_config.json
├── model.safetensors
├── special_tokens_map.json
├── spiece.model             # GPT-2 has vocab.json + merges.txt instead
├── tokenizer.json
└── tokenizer_config.json"""
NER_FOLDER = """\
/models/bert-ner/
├── config.json              # "architectures": ["BertForTokenClassification"],
│                            # "id2label": {"0": "O", "1": "B-PER", "2": "I-PER", …}
├── model.safetensors
├── special_tokens_map.json
├── tokenizer.json
├── tokenizer_config.json
└── vocab.txt"""
# A sample in each page's input format: token-per-line CoNLL with IOB2 tags,
# and a CSV of prompts with the outputs expected of them.
SAMPLE_CONLL = (
    "John B-PER\nSmith I-PER\nlives O\nin O\nParis B-LOC\n. O\n\n"
    "Acme B-ORG\nhired O\nMary B-PER\n. O\n"
)
SAMPLE_GENERATION_CSV = (
    "text,target\n"
    '"translate English to German: The house is small.","Das Haus ist klein."\n'
    '"summarize: The film is long, but the acting is superb.","Superb acting."\n'
)


def generation_empty_state() -> None:
    """How to give the Generation page a model, and a sample prompts file."""
    _empty_state(
        "a causal LM (`AutoModelForCausalLM`: GPT-2, …) or a seq2seq model "
        "(`AutoModelForSeq2SeqLM`: T5, BART, …)",
        "/models/t5-small",
        GENERATION_FOLDER,
        SAVE_COMMAND.format(
            auto="AutoModelForSeq2SeqLM", hub_id="t5-small", folder="/models/t5-small"
        ),
    )
    st.download_button(
        "Sample prompts file (CSV with 'text' and 'target')",
        SAMPLE_GENERATION_CSV,
        file_name="prompts.csv",
        mime="text/csv",
        key="generation_sample",
        on_click="ignore",  # no rerun: a download changes nothing
    )


def ner_empty_state() -> None:
    """How to give the NER page a model, and a sample CoNLL file."""
    _empty_state(
        "a token classifier (`AutoModelForTokenClassification` with IOB1, IOB2 or "
        "BIOES labels in its config's `id2label`)",
        "/models/bert-ner",
        NER_FOLDER,
        SAVE_COMMAND.format(
            auto="AutoModelForTokenClassification",
            hub_id="dslim/bert-base-NER",
            folder="/models/bert-ner",
        ),
    )
    st.download_button(
        "Sample CoNLL file (a token and its IOB2 tag per line)",
        SAMPLE_CONLL,
        file_name="sample.conll",
        mime="text/plain",
        key="ner_sample",
        on_click="ignore",  # no rerun: a download changes nothing
    )


def _empty_state(kind: str, folder: str, listing: str, command: str) -> None:
    st.markdown(
        f"No such model ships offline. Type the folder of {kind} in the box "
        f"above, for example `{folder}`; with internet access a hub id works too. "
        "The folder is what `save_pretrained` writes:"
    )
    st.code(listing, language=None)
    st.markdown("On a machine with internet access, this makes one:")
    st.code(command, language="python")
