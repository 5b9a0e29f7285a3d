"""Retrieval: from a reader's question to the passages that may answer it.

- :mod:`question` checks what a reader typed; :mod:`followup` rewrites a follow-up into a
  whole question; :mod:`query` reads what a question asks for (years, versions, the kind
  of answer);
- :mod:`search` (:class:`Retriever`) ranks passages: BM25 fused (:mod:`fusion`) with
  passage and sentence vectors, over every passage (:mod:`exact`) or, at scale, over
  :mod:`candidates` (an approximate index or a Milvus engine).
"""

from qa.retrieve.search import METHODS, Method, Retrieval, Retriever

__all__ = ["METHODS", "Method", "Retrieval", "Retriever"]
