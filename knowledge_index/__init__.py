"""Help-centre search for Tandem: Markdown articles -> MiniLM chunk embeddings -> FAISS.

Build with `python -m knowledge_index build`, then `KnowledgeIndex.load(index_dir).search(question, k)`
returns one Hit per article, best first.
"""

from knowledge_index.builder import BuildReport, build_index
from knowledge_index.search import Hit, KnowledgeIndex
from knowledge_index.store import IndexUnavailableError

__all__ = ["BuildReport", "Hit", "IndexUnavailableError", "KnowledgeIndex", "build_index"]
