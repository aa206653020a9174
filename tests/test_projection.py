"""PCA / UMAP projections, their store cache and cosine nearest neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from python_child import last_line

from litcore.api.errors import LumenError
from litcore.projection import (
    PROJECTORS,
    UMAP_EXACT_LIMIT,
    UMAP_PLACE_EPOCHS,
    PCAProjection,
    UMAPProjection,
    make_projector,
    nearest_neighbors,
    projection_key,
    stored_projection,
)
from litcore.store.predictions import PredictionStore


def clusters(n_per: int = 30, dim: int = 8, seed: int = 0) -> np.ndarray:
    """Two blobs far apart in angle: rows [0, n_per) and [n_per, 2 n_per)."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((2, dim), dtype=np.float32)
    centres[0, 0] = centres[1, 1] = 20.0
    blobs = [c + rng.normal(size=(n_per, dim)).astype(np.float32) for c in centres]
    return np.concatenate(blobs)


def test_pca_matches_the_exact_principal_axis():
    points = np.array([[0, 0, 1], [2, 0, 1], [4, 0, 1], [6, 0, 1]], dtype=np.float32)
    pca = PCAProjection().fit(points)
    # All variance lies along x: coordinates are x minus its mean, up to sign.
    assert np.allclose(np.abs(pca.embedding_[:, 0]), [3, 1, 1, 3], atol=1e-5)
    assert np.allclose(pca.embedding_[:, 1], 0, atol=1e-5)
    assert pca.explained_variance_ratio_[0] == pytest.approx(1.0)
    assert pca.note_ is None


@pytest.mark.parametrize("name", list(PROJECTORS))
def test_every_projector_separates_two_clusters_and_transforms_new_points(name):
    points = clusters()
    projector = make_projector(name).fit(points)
    coords = projector.embedding_
    assert coords.shape == (60, 2) and coords.dtype == np.float32
    first, second = coords[:30].mean(axis=0), coords[30:].mean(axis=0)
    to_first = np.linalg.norm(coords - first, axis=1)
    to_second = np.linalg.norm(coords - second, axis=1)
    assert (to_first[:30] < to_second[:30]).all()
    assert (to_second[30:] < to_first[30:]).all()
    # A point added later lands next to its own cluster, without a refit.
    placed = projector.transform(points[30:31] + 0.01)
    assert placed.shape == (1, 2)
    assert np.linalg.norm(placed[0] - second) < np.linalg.norm(placed[0] - first)
    assert np.array_equal(projector.embedding_, coords)


def test_umap_constructor_only_stores_parameters_and_fit_returns_self():
    umap = UMAPProjection(n_neighbors=5, min_dist=0.3, metric="euclidean")
    assert umap.get_params() == {
        "n_neighbors": 5,
        "min_dist": 0.3,
        "metric": "euclidean",
        "random_state": 0,
        "fit_sample": 4095,
    }
    assert not [name for name in vars(umap) if name.endswith("_")]
    assert umap.fit(clusters(10)) is umap


def test_pca_of_tall_data_takes_the_axes_of_an_exact_svd():
    points = clusters(n_per=250)  # 500 rows of 8 dimensions: the covariance path
    coords = PCAProjection().fit(points).embedding_
    centred = points - points.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    assert np.allclose(np.abs(coords), np.abs(centred @ axes[:2].T), atol=1e-3)


@pytest.mark.parametrize("rows, dim", [(500, 8), (40, 16), (3, 4)])
def test_pca_equals_scikit_learns_axes_signs_and_variance_shares(rows, dim):
    """Plain NumPy, as scikit-learn's PCA (the app no longer imports it) fits."""
    from sklearn.decomposition import PCA

    scales = np.linspace(3.0, 0.1, dim)
    points = (np.random.default_rng(rows).normal(size=(rows, dim)) * scales).astype(
        np.float32
    )
    ours = PCAProjection().fit(points)
    solver = "covariance_eigh" if rows >= 10 * dim else "full"
    theirs = PCA(n_components=2, svd_solver=solver).fit(points)
    assert np.allclose(ours.components_, theirs.components_, atol=1e-4)
    assert np.allclose(
        ours.explained_variance_ratio_, theirs.explained_variance_ratio_, atol=1e-5
    )
    assert np.allclose(ours.embedding_, theirs.transform(points), atol=1e-3)


def test_pca_of_float16_rows_a_block_at_a_time_equals_the_float32_fit(monkeypatch):
    """Tall float16 embeddings (as a snapshot holds them) are read in blocks,
    never copied whole, and fit as their float32 values fit in one go."""
    points = np.random.default_rng(5).normal(size=(200, 6)) * [4, 2, 1, 1, 1, 1]
    half = points.astype(np.float16)
    given = half.astype(np.float32)
    whole = PCAProjection().fit(given)
    assert (given == half).all()  # the caller's rows are left as they were
    monkeypatch.setattr("litcore.projection.ROW_BLOCK", 7)  # 29 blocks
    blocks = PCAProjection().fit(half)
    assert np.allclose(blocks.components_, whole.components_, atol=1e-6)
    assert np.allclose(blocks.embedding_, whole.embedding_, atol=1e-5)
    assert blocks.embedding_.dtype == np.float32
    half[150, 2] = np.inf  # in the 22nd block
    with pytest.raises(LumenError, match="infinite"):
        PCAProjection().fit(half)


def test_umap_fits_on_a_seeded_sample_and_places_the_rest_with_progress():
    points = clusters(n_per=60)
    reports = []
    umap = UMAPProjection(n_neighbors=5, fit_sample=40)
    coords = umap.fit(points, lambda done, total: reports.append((done, total)))
    coords = coords.embedding_
    assert len(umap.fitted_rows_) == 40 and (np.diff(umap.fitted_rows_) > 0).all()
    assert coords.shape == (120, 2) and np.isfinite(coords).all()
    assert reports[0] == (40, 120) and reports[-1] == (120, 120)
    first, second = coords[:60].mean(axis=0), coords[60:].mean(axis=0)
    nearer_first = np.linalg.norm(coords - first, axis=1) < np.linalg.norm(
        coords - second, axis=1
    )
    assert nearer_first[:60].all() and not nearer_first[60:].any()
    again = UMAPProjection(n_neighbors=5, fit_sample=40).fit(points)
    assert np.array_equal(again.fitted_rows_, umap.fitted_rows_)
    with pytest.raises(LumenError, match="fit_sample"):
        UMAPProjection(n_neighbors=5, fit_sample=6).fit(points)
    # From 4,096 points UMAP would search neighbours with pynndescent.
    with pytest.raises(LumenError, match=r"\(7\) to 4,095, got 4096"):
        UMAPProjection(n_neighbors=5, fit_sample=UMAP_EXACT_LIMIT + 1).fit(points)


def test_umap_places_the_rest_in_chunks_with_a_fixed_epoch_count(monkeypatch):
    import umap.umap_

    layout = umap.umap_.optimize_layout_euclidean
    epochs = []  # the epochs of each layout UMAP runs (the fit's, then transform's)

    def counted_layout(*args, **kwargs):
        epochs.append(args[4])
        return layout(*args, **kwargs)

    monkeypatch.setattr(umap.umap_, "optimize_layout_euclidean", counted_layout)
    monkeypatch.setattr("litcore.projection.UMAP_CHUNK", 25)
    reports = []
    projector = UMAPProjection(n_neighbors=5, fit_sample=40)
    points = clusters(n_per=60)
    projector.fit(points, lambda done, total: reports.append(done))
    assert reports == [40, 65, 90, 115, 120]
    assert epochs[1:] == [UMAP_PLACE_EPOCHS] * 4
    # Points added later keep UMAP's own rule: 100 epochs for a small batch.
    projector.transform(points[:2])
    assert epochs[-1] == 100


def test_umap_falls_back_to_pca_with_a_note_when_points_are_too_few():
    points = clusters(n_per=4)
    umap = UMAPProjection(n_neighbors=15).fit(points)
    assert umap.note_ is not None and "PCA" in umap.note_ and "8" in umap.note_
    assert np.allclose(umap.embedding_, PCAProjection().fit(points).embedding_)
    assert umap.transform(points[:2]).shape == (2, 2)


@pytest.mark.parametrize(
    "params",
    [{"n_neighbors": 1}, {"min_dist": 2.0}, {"metric": "hamming-ish"}],
)
def test_bad_umap_parameters_raise_a_lumen_error(params):
    with pytest.raises(LumenError):
        UMAPProjection(**params).fit(clusters())


def test_bad_input_raises_lumen_errors():
    with pytest.raises(LumenError, match="Unknown projection"):
        make_projector("t-SNE")
    with pytest.raises(LumenError, match="Bad parameters"):
        make_projector("PCA", {"n_neighbors": 3})
    with pytest.raises(LumenError, match="at least 2"):
        PCAProjection().fit(np.ones((1, 4)))
    with pytest.raises(LumenError, match="NaN"):
        PCAProjection().fit(np.array([[0.0, np.nan], [1.0, 2.0]]))


def test_stored_projection_is_fitted_once_then_read_from_the_store(tmp_path):
    store = PredictionStore(tmp_path / "store.sqlite")
    points = clusters()
    umap = UMAPProjection(n_neighbors=5)
    key = projection_key("model", "data", "mean_embedding", umap)
    first = stored_projection(store, key, points, umap)
    assert first.note is None
    # A fresh projector with a broken fit proves the second call reads the store.
    unfit = UMAPProjection(n_neighbors=5)
    unfit.fit = None
    again = stored_projection(PredictionStore(store.path), key, points, unfit)
    assert np.array_equal(again.coords, first.coords)
    small = PCAProjection()
    note = stored_projection(store, "k2", points[:3], UMAPProjection())
    assert note.note and "PCA" in note.note
    assert stored_projection(store, "k2", points[:3], small).note == note.note


def test_projection_keys_differ_by_every_part():
    base = projection_key("m", "d", "cls_embedding", UMAPProjection())
    assert base != projection_key("m2", "d", "cls_embedding", UMAPProjection())
    assert base != projection_key("m", "d2", "cls_embedding", UMAPProjection())
    assert base != projection_key("m", "d", "mean_embedding", UMAPProjection())
    assert base != projection_key(
        "m", "d", "cls_embedding", UMAPProjection(min_dist=0.5)
    )
    assert base != projection_key("m", "d", "cls_embedding", PCAProjection())
    assert base == projection_key("m", "d", "cls_embedding", UMAPProjection())


def test_nearest_neighbors_by_cosine_exclude_the_query():
    vectors = np.array([[1, 0], [10, 1], [0, 1], [-1, 0], [1, 1]], dtype=np.float32)
    order, similarity = nearest_neighbors(vectors, 0, 3)
    assert order.tolist() == [1, 4, 2]
    assert similarity == pytest.approx([10 / np.sqrt(101), 1 / np.sqrt(2), 0.0])
    assert nearest_neighbors(vectors, 0, 99)[0].tolist() == [1, 4, 2, 3]
    with pytest.raises(LumenError):
        nearest_neighbors(vectors, 0, 0)


def test_nearest_neighbors_of_float16_rows_a_block_at_a_time(monkeypatch):
    monkeypatch.setattr("litcore.projection.ROW_BLOCK", 7)  # 9 blocks
    vectors = np.random.default_rng(3).normal(size=(60, 5)).astype(np.float16)
    vectors[11] = 0  # a zero row: similarity 0, not NaN
    exact = vectors.astype(np.float64)
    norms = np.linalg.norm(exact, axis=1)
    norms[norms == 0] = 1.0
    cosine = exact @ exact[42] / (norms * norms[42])
    cosine[42] = -np.inf
    order, similarity = nearest_neighbors(vectors, 42, 59)
    assert order.tolist() == np.argsort(-cosine, kind="stable")[:59].tolist()
    assert similarity == pytest.approx(cosine[order], abs=1e-6)
    assert similarity[order.tolist().index(11)] == 0.0


WARM_UP_CHECK = """
import sys
import numpy as np
from numba.core.registry import CPUDispatcher
from litcore.projection import UMAPProjection, warm_up_umap
from litcore.projection_distances import _manhattan_kernel

def compiled():
    return len(_manhattan_kernel().signatures) + sum(
        len(value.signatures)
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("umap", "pynndescent")
        for value in vars(module).values()
        if isinstance(value, CPUDispatcher)
    )

warm_up_umap()
after_warm_up = compiled()
points = np.random.default_rng(1).normal(size=(500, 32)).astype(np.float32)
for metric in ("cosine", "manhattan"):
    UMAPProjection(metric=metric).fit(points).transform(points[:3])
print(after_warm_up, compiled())
"""


def test_umap_warm_up_compiles_everything_a_real_fit_and_transform_use():
    """In a fresh process: after the warm-up, real fits (the default metric and
    manhattan, the one compiled distance) compile nothing more."""
    after_warm_up, after_fit = map(int, last_line(WARM_UP_CHECK).split())
    assert after_warm_up > 0
    assert after_fit == after_warm_up
