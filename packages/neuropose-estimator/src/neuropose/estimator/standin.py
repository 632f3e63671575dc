"""A small, real SavedModel with the MeTRAbs interface, for tests and self-checks.

It is not a pose model. It exposes the same call signatures, keyword defaults, skeleton tables
and ragged batched outputs as a MeTRAbs SavedModel, and computes its "poses" from image content
so that callers can check the plumbing end to end:

- each vertical half of the image that contains bright pixels (any channel above 128 on more
  than 0.5 % of that half) holds one person, left half first;
- that person's 2D joints are spread vertically around the bright pixels' centroid,
  ``(u, v + 4 j)`` for joint ``j``, and its box bounds the bright pixels, with confidence
  equal to the fraction of the half that is bright (clipped to at least 0.5);
- the 3D joints are the 2D joints back-projected through the given intrinsics at a depth of
  3000 mm, so projecting them again gives the 2D joints exactly.

``neuropose doctor`` uses it to test an installation without downloading the real model.

The builder runs in named steps, each a function below: the skeleton tables, the optional
compute cost, detection (boxes per image half), poses (2D joints and their 3D back-projection),
packing per-image results into ragged batch outputs, the two MeTRAbs signatures, and saving.
TensorFlow is imported by :func:`build_standin_model` and handed to the steps, so importing
this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["STANDIN_SKELETONS", "build_standin_model"]

STANDIN_SKELETONS: dict[str, tuple[str, ...]] = {
    "smpl_24": (
        "pelv", "lhip", "rhip", "spi1", "lkne", "rkne", "spi2", "lank", "rank", "spi3", "ltoe",
        "rtoe", "neck", "lcla", "rcla", "head", "lsho", "rsho", "lelb", "relb", "lwri", "rwri",
        "lhan", "rhan",
    ),
    "coco_19": (
        "neck", "nose", "pelv", "lsho", "lelb", "lwri", "lhip", "lkne", "lank", "rsho", "relb",
        "rwri", "rhip", "rkne", "rank", "leye", "lear", "reye", "rear",
    ),
    "berkeley_mhad_43": (
        "head", "lhead", "rhead", "rback", "backl", "backt", "lback", "lside", "bell", "chest",
        "rside", "lsho1", "lsho2", "larm", "lelb", "lwri", "lhan1", "lhan2", "lhan3", "rsho1",
        "rsho2", "rarm", "relb", "rwri", "rhan1", "rhan2", "rhan3", "lhipb", "lhipf", "lhipl",
        "lleg", "lkne", "lank", "lhee", "lfoo", "rhipb", "rhipf", "rhipl", "rleg", "rkne", "rank",
        "rhee", "rfoo",
    ),
}  # fmt: skip
"""Joint names of each skeleton the stand-in model offers, by skeleton name."""

# MeTRAbs answers the empty skeleton name with all its internal joints; ours are these.
_DEFAULT_SKELETON = "berkeley_mhad_43"
_DEPTH_MM = 3000.0
_JOINT_SPACING_PX = 4.0
# A pixel is bright when any channel exceeds this (0-255); a half holds a person when more than
# this fraction of it is bright.
_BRIGHT_LEVEL = 128.0
_PRESENT_FRACTION = 0.005
_MIN_CONFIDENCE = 0.5
_WORK_WIDTH = 512

# Tensors in, tensors out; TensorFlow's own hints miss most of the API used here.
ImageStep = Callable[..., Any]


def build_standin_model(
    directory: Path, *, extra_work: int = 0, backbone_crop_px: int | None = None
) -> Path:
    """Build the stand-in SavedModel into ``directory`` and return it.

    Parameters
    ----------
    directory
        Destination folder (created; must not exist or be empty).
    extra_work
        Number of dense layers of size 512 to run per image on top of the logic above. Zero
        keeps it light; larger values make the model cost real compute (for memory and overlap
        checks), without changing its outputs.
    backbone_crop_px
        When given, every image also runs ``num_aug`` crops of this size (pixels) through an
        EfficientNetV2-S with random weights, as MeTRAbs does per detection, so that the model
        costs about what the real one costs on a CPU. Outputs do not change.

    Returns
    -------
    Path
        ``directory``, which ``tf.saved_model.load`` opens.
    """
    import tensorflow

    # TensorFlow's bundled type hints miss much of its API (RaggedTensor constructors, ...).
    tf: Any = tensorflow

    module = tf.Module()
    module.per_skeleton_joint_names, module.per_skeleton_joint_edges = _skeleton_tables(tf)
    # Attributes of the module, so that the SavedModel tracks and stores their weights.
    module._work = _work_weights(tf, extra_work)
    backbone = _random_backbone(backbone_crop_px) if backbone_crop_px else None
    if backbone is not None:
        module._backbone = backbone
    add_cost = _cost_step(tf, module._work, backbone, backbone_crop_px)

    def one_image(image: Any, camera: Any, skeleton: Any, threshold: Any, num_aug: Any) -> Any:
        pixels = add_cost(tf.cast(image, tf.float32), num_aug)
        boxes, centroids = _detect(tf, pixels, threshold)
        poses3d, poses2d = _poses(tf, centroids, camera, _joint_count(tf, skeleton))
        return boxes, poses3d, poses2d

    module.detect_poses_batched = _batched_signature(tf, one_image)
    module.detect_poses = _single_image_signature(tf, module.detect_poses_batched)
    return _save(tf, module, directory)


def _chain_edges(count: int) -> list[list[int]]:
    return [[i, i + 1] for i in range(count - 1)]


def _skeleton_tables(tf: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Joint names and edges per skeleton, as MeTRAbs' ``per_skeleton_joint_*`` variables."""
    names = {**STANDIN_SKELETONS, "": STANDIN_SKELETONS[_DEFAULT_SKELETON]}
    joint_names = {
        key: tf.Variable(list(joints), trainable=False, dtype=tf.string)
        for key, joints in names.items()
    }
    joint_edges = {
        key: tf.Variable(_chain_edges(len(joints)), trainable=False, dtype=tf.int32)
        for key, joints in names.items()
    }
    return joint_names, joint_edges


def _joint_count(tf: Any, skeleton: Any) -> Any:
    """Count the joints of the skeleton named by the string tensor ``skeleton``."""
    cases = [
        (tf.equal(skeleton, name), lambda n=len(joints): tf.constant(n))
        for name, joints in STANDIN_SKELETONS.items()
    ]
    default = len(STANDIN_SKELETONS[_DEFAULT_SKELETON])
    return tf.case(cases, default=lambda: tf.constant(default), exclusive=True)


def _work_weights(tf: Any, layers: int) -> list[Any]:
    """Make fixed random ``512 x 512`` weights for ``layers`` dense layers of extra compute."""
    return [
        tf.Variable(
            tf.random.stateless_normal([_WORK_WIDTH, _WORK_WIDTH], [i, 7]) * 0.01,
            trainable=False,
        )
        for i in range(layers)
    ]


def _random_backbone(crop_px: int) -> Any:
    """Make an EfficientNetV2-S feature extractor with random weights for ``crop_px`` crops."""
    import keras

    return keras.applications.EfficientNetV2S(
        include_top=False,
        weights=None,  # pyright: ignore[reportArgumentType]  # None: random initial weights (Keras accepts it)
        input_shape=(crop_px, crop_px, 3),
        pooling="avg",
    )


def _cost_step(tf: Any, work: list[Any], backbone: Any, crop_px: int | None) -> ImageStep:
    """Return ``add_cost(pixels, num_aug) -> pixels``: real compute that changes no value.

    Every result is multiplied by zero before it touches the pixels, so outputs stay
    independent of the random weights while the graph still has to compute them.
    """

    def add_cost(pixels: Any, num_aug: Any) -> Any:
        if backbone is not None:
            crop = tf.image.resize(pixels[None], [crop_px, crop_px])
            features = backbone(tf.repeat(crop, num_aug, axis=0), training=False)
            pixels = pixels + 0.0 * tf.reduce_sum(features)
        if work:
            feature = tf.reshape(tf.image.resize(pixels, [16, 32]), [1, -1])[:, :_WORK_WIDTH]
            for weight in work:
                feature = tf.tanh(feature @ weight)
            pixels = pixels + 0.0 * tf.reduce_sum(feature)
        return pixels

    return add_cost


def _detect(tf: Any, pixels: Any, threshold: Any) -> tuple[Any, Any]:
    """Find the people in one ``[H, W, 3]`` float image: at most one per vertical half.

    Returns
    -------
    boxes, centroids
        ``[n, 5]`` boxes (x, y, w, h in pixels, confidence) and ``[n, 2]`` bright-pixel
        centroids ``(u, v)`` in pixels, for the ``n`` halves that hold a person, left first.
    """
    bright = tf.cast(tf.reduce_max(pixels, axis=-1) > _BRIGHT_LEVEL, tf.float32)
    width = tf.shape(bright)[1]
    half = width // 2
    halves = [_bright_region(tf, bright, start, stop) for start, stop in ((0, half), (half, width))]
    keep = tf.stack(
        [
            tf.logical_and(fraction > _PRESENT_FRACTION, box[4] >= threshold)
            for fraction, box, _ in halves
        ]
    )
    boxes = tf.stack([box for _, box, _ in halves])
    centroids = tf.stack([centroid for _, _, centroid in halves])
    return tf.boolean_mask(boxes, keep), tf.boolean_mask(centroids, keep)


def _bright_region(tf: Any, bright: Any, start: Any, stop: Any) -> tuple[Any, Any, Any]:
    """Describe the bright pixels of columns ``[start, stop)`` of a ``[H, W]`` 0/1 mask.

    Returns
    -------
    fraction, box, centroid
        Fraction of the region that is bright; box ``(x, y, w, h, confidence)`` in pixels
        bounding the bright pixels and their centroid, with confidence the bright fraction
        clipped to at least 0.5; centroid ``(u, v)`` in pixels. A region with no bright pixel
        gives a 1 px box at ``(0, 0)``, which :func:`_detect` then discards.
    """
    region = bright[:, start:stop]
    area = tf.cast(tf.size(region), tf.float32)
    count = tf.reduce_sum(region)
    rows = tf.cast(tf.range(tf.shape(region)[0]), tf.float32)
    cols = tf.cast(tf.range(start, stop), tf.float32)
    safe = tf.maximum(count, 1.0)
    v = tf.reduce_sum(region * rows[:, None]) / safe
    u = tf.reduce_sum(region * cols[None, :]) / safe
    ys = tf.boolean_mask(tf.broadcast_to(rows[:, None], tf.shape(region)), region > 0)
    xs = tf.boolean_mask(tf.broadcast_to(cols[None, :], tf.shape(region)), region > 0)
    x0, y0 = tf.reduce_min(tf.concat([xs, [u]], 0)), tf.reduce_min(tf.concat([ys, [v]], 0))
    x1, y1 = tf.reduce_max(tf.concat([xs, [u]], 0)), tf.reduce_max(tf.concat([ys, [v]], 0))
    fraction = count / area
    confidence = tf.maximum(fraction, _MIN_CONFIDENCE)
    box = tf.stack([x0, y0, x1 - x0 + 1.0, y1 - y0 + 1.0, confidence])
    return fraction, box, tf.stack([u, v])


def _poses(tf: Any, centroids: Any, camera: Any, joints: Any) -> tuple[Any, Any]:
    """2D joints around each centroid and their back-projection through ``camera``.

    Returns
    -------
    poses3d, poses2d
        ``[n, joints, 3]`` in millimetres (camera frame, +y down, depth 3000 mm) and
        ``[n, joints, 2]`` in pixels.
    """
    offsets = tf.cast(tf.range(joints), tf.float32) * _JOINT_SPACING_PX
    u = tf.tile(centroids[:, 0:1], [1, joints])
    v = centroids[:, 1:2] + offsets[None, :]
    pose2d = tf.stack([u, v], axis=-1)
    fx, fy = camera[0, 0], camera[1, 1]
    cx, cy = camera[0, 2], camera[1, 2]
    x = (pose2d[..., 0] - cx) / fx * _DEPTH_MM
    y = (pose2d[..., 1] - cy) / fy * _DEPTH_MM
    pose3d = tf.stack([x, y, tf.fill(tf.shape(x), _DEPTH_MM)], axis=-1)
    return pose3d, pose2d


def _cameras(tf: Any, images: Any, intrinsic_matrix: Any, fov_degrees: Any) -> Any:
    """One ``3 x 3`` intrinsic matrix per image, as MeTRAbs picks them.

    Given matrices are used (one for the whole batch, or one per image); with none, the camera
    has ``fov_degrees`` over the larger image side and its principal point at the centre.
    """
    count = tf.shape(images)[0]
    height = tf.cast(tf.shape(images)[1], tf.float32)
    width = tf.cast(tf.shape(images)[2], tf.float32)

    def from_fov() -> Any:
        focal = tf.maximum(width, height) / 2.0 / tf.tan(fov_degrees * 3.14159265 / 360.0)
        matrix = tf.stack([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])
        return tf.tile(matrix[None], [count, 1, 1])

    given = tf.shape(intrinsic_matrix)[0]
    return tf.cond(given == 0, from_fov, lambda: tf.broadcast_to(intrinsic_matrix, [count, 3, 3]))


def _ragged_batch(tf: Any, count: Any, joints: Any, per_image: ImageStep) -> dict[str, Any]:
    """Run ``per_image(i) -> (boxes, poses3d, poses2d)`` over a batch; pack ragged outputs.

    Returns MeTRAbs' batched outputs: ``boxes``, ``poses3d`` and ``poses2d`` as ragged
    tensors whose first axis is the image and second the person.
    """

    # One element per image, after an empty first one so that concat() is defined even when
    # no image in the batch holds anybody.
    def arrays(*shape: Any) -> Any:
        empty = tf.zeros([0, *shape])
        array = tf.TensorArray(tf.float32, size=count + 1, infer_shape=False)
        return array.write(0, empty)

    boxes, poses3d, poses2d = arrays(5), arrays(joints, 3), arrays(joints, 2)
    lengths = tf.TensorArray(tf.int32, size=count)
    for i in tf.range(count):
        b, p3, p2 = per_image(i)
        boxes = boxes.write(i + 1, b)
        poses3d = poses3d.write(i + 1, p3)
        poses2d = poses2d.write(i + 1, p2)
        lengths = lengths.write(i, tf.shape(b)[0])
    row_lengths = lengths.stack()
    return {
        "boxes": tf.RaggedTensor.from_row_lengths(tf.reshape(boxes.concat(), [-1, 5]), row_lengths),
        "poses3d": tf.RaggedTensor.from_row_lengths(
            tf.reshape(poses3d.concat(), [-1, joints, 3]), row_lengths
        ),
        "poses2d": tf.RaggedTensor.from_row_lengths(
            tf.reshape(poses2d.concat(), [-1, joints, 2]), row_lengths
        ),
    }


def _batched_signature(tf: Any, one_image: ImageStep) -> Any:
    """``detect_poses_batched`` with MeTRAbs' argument list, types and defaults.

    Arguments the stand-in does not model (distortion, extrinsics, NMS, flips, ...) are
    accepted and ignored, so callers exercise the real call.
    """

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, None, 3], tf.uint8),
            tf.TensorSpec([None, 3, 3], tf.float32),
            tf.TensorSpec([None, 5], tf.float32),
            tf.TensorSpec([None, 4, 4], tf.float32),
            tf.TensorSpec([3], tf.float32),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.bool),
            tf.TensorSpec([], tf.string),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.bool),
            tf.TensorSpec([], tf.bool),
        ]
    )
    def detect_poses_batched(
        images,
        intrinsic_matrix=tf.zeros([0, 3, 3]),
        distortion_coeffs=tf.zeros([1, 5]),
        extrinsic_matrix=tf.eye(4, batch_shape=[1]),
        world_up_vector=tf.constant([0.0, -1.0, 0.0]),
        default_fov_degrees=55.0,
        internal_batch_size=64,
        antialias_factor=1,
        num_aug=5,
        average_aug=True,
        skeleton="",
        detector_threshold=0.3,
        detector_nms_iou_threshold=0.7,
        max_detections=-1,
        detector_flip_aug=False,
        suppress_implausible_poses=True,
    ):
        cameras = _cameras(tf, images, intrinsic_matrix, default_fov_degrees)

        def per_image(i: Any) -> Any:
            boxes, poses3d, poses2d = one_image(
                images[i], cameras[i], skeleton, detector_threshold, num_aug
            )
            limit = tf.where(max_detections < 0, tf.shape(boxes)[0], max_detections)
            return boxes[:limit], poses3d[:limit], poses2d[:limit]

        return _ragged_batch(tf, tf.shape(images)[0], _joint_count(tf, skeleton), per_image)

    return detect_poses_batched


def _single_image_signature(tf: Any, batched: Any) -> Any:
    """``detect_poses`` for one image: a batch of one through ``batched``, first row out.

    An all-zero ``intrinsic_matrix`` (the default) means "not given", as in MeTRAbs.
    """

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, 3], tf.uint8),
            tf.TensorSpec([3, 3], tf.float32),
            tf.TensorSpec([], tf.string),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
        ]
    )
    def detect_poses(
        image,
        intrinsic_matrix=tf.zeros([3, 3]),
        skeleton="",
        detector_threshold=0.3,
        num_aug=5,
        max_detections=-1,
    ):
        given = tf.reduce_any(intrinsic_matrix != 0)
        matrix = tf.where(given, intrinsic_matrix[None], tf.zeros([0, 3, 3]))
        result = batched(
            image[None],
            intrinsic_matrix=matrix,
            skeleton=skeleton,
            detector_threshold=detector_threshold,
            num_aug=num_aug,
            max_detections=max_detections,
        )
        return {key: value[0] for key, value in result.items()}

    return detect_poses


def _save(tf: Any, module: Any, directory: Path) -> Path:
    """Write ``module`` as a SavedModel into ``directory`` (created) and return the folder."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tf.saved_model.save(module, str(directory))
    return directory
