"""Generated people and companies with known duplicates: the labelled set and the benchmark's data.

Each *family* is one scenario: a person or a company entered several times in different ways (a
cluster), a single record, or a hard negative — colleagues at one company sharing its switchboard and
info@ mailbox, namesakes (王伟, 李娜 …) in other cities, the same brand in two cities (北京华信 and
深圳华信), two people giving one mobile. Cluster ids are ``F<family>-<n>``, so a family's clusters stay
together when the set is split into halves by family number (tune on even, check on odd).

A duplicate keeps some evidence that it is one: between any two records of a cluster there is a
shared mobile or personal e-mail, or both give a name and a company. Records that share nothing are
not labelled as the same — no engine could know.
"""

from guanxi.leads.dedup.sample.families import labelled_records, synthetic_records
from guanxi.leads.dedup.sample.generator import LabelledRecord

__all__ = ["LabelledRecord", "labelled_records", "synthetic_records"]
