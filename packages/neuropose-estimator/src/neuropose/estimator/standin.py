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
"""

from __future__ import annotations

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

_DEPTH_MM = 3000.0
_JOINT_SPACING_PX = 4.0


def _chain_edges(count: int) -> list[list[int]]:
    return [[i, i + 1] for i in range(count - 1)]


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
        When given, every image also runs ``num_aug`` crops of this size through an
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

    class StandIn(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            names = dict(STANDIN_SKELETONS)
            names[""] = STANDIN_SKELETONS["berkeley_mhad_43"]
            self.per_skeleton_joint_names = {
                k: tf.Variable(list(v), trainable=False, dtype=tf.string) for k, v in names.items()
            }
            self.per_skeleton_joint_edges = {
                k: tf.Variable(_chain_edges(len(v)), trainable=False, dtype=tf.int32)
                for k, v in names.items()
            }
            self._backbone = None
            if backbone_crop_px:
                import keras

                self._backbone = keras.applications.EfficientNetV2S(
                    include_top=False,
                    weights=None,  # pyright: ignore[reportArgumentType] - None means random init
                    input_shape=(backbone_crop_px, backbone_crop_px, 3),
                    pooling="avg",
                )
            self._work = [
                tf.Variable(tf.random.stateless_normal([512, 512], [i, 7]) * 0.01, trainable=False)
                for i in range(extra_work)
            ]

        def _joint_count(self, skeleton: Any) -> Any:
            sizes = {name: len(joints) for name, joints in STANDIN_SKELETONS.items()}
            cases = [
                (tf.equal(skeleton, name), lambda n=size: tf.constant(n))
                for name, size in sizes.items()
            ]
            return tf.case(cases, default=lambda: tf.constant(43), exclusive=True)

        def _one_image(
            self, image: Any, intrinsics: Any, skeleton: Any, threshold: Any, num_aug: Any
        ) -> Any:
            joints = self._joint_count(skeleton)
            pixels = tf.cast(image, tf.float32)
            if self._backbone is not None:
                crop = tf.image.resize(pixels[None], [backbone_crop_px, backbone_crop_px])
                features = self._backbone(tf.repeat(crop, num_aug, axis=0), training=False)
                pixels = pixels + 0.0 * tf.reduce_sum(features)
            if self._work:
                feature = tf.reshape(tf.image.resize(pixels, [16, 32]), [1, -1])[:, :512]
                for weight in self._work:
                    feature = tf.tanh(feature @ weight)
                # Multiplying by zero keeps the outputs independent of the random weights.
                pixels = pixels + 0.0 * tf.reduce_sum(feature)
            bright = tf.cast(tf.reduce_max(pixels, axis=-1) > 128.0, tf.float32)
            width = tf.shape(bright)[1]
            half = width // 2
            boxes, poses2d = [], []
            for start, stop in ((0, half), (half, width)):
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
                x0, y0 = (
                    tf.reduce_min(tf.concat([xs, [u]], 0)),
                    tf.reduce_min(tf.concat([ys, [v]], 0)),
                )
                x1, y1 = (
                    tf.reduce_max(tf.concat([xs, [u]], 0)),
                    tf.reduce_max(tf.concat([ys, [v]], 0)),
                )
                confidence = tf.maximum(count / area, 0.5)
                present = tf.logical_and(count / area > 0.005, confidence >= threshold)
                box = tf.stack([x0, y0, x1 - x0 + 1.0, y1 - y0 + 1.0, confidence])
                offsets = tf.cast(tf.range(joints), tf.float32) * _JOINT_SPACING_PX
                pose2d = tf.stack([tf.fill([joints], u), v + offsets], axis=-1)
                boxes.append((present, box))
                poses2d.append(pose2d)
            keep = tf.stack([p for p, _ in boxes])
            box_stack = tf.boolean_mask(tf.stack([b for _, b in boxes]), keep)
            pose2d = tf.boolean_mask(tf.stack(poses2d), keep)
            fx, fy = intrinsics[0, 0], intrinsics[1, 1]
            cx, cy = intrinsics[0, 2], intrinsics[1, 2]
            x = (pose2d[..., 0] - cx) / fx * _DEPTH_MM
            y = (pose2d[..., 1] - cy) / fy * _DEPTH_MM
            pose3d = tf.stack([x, y, tf.fill(tf.shape(x), _DEPTH_MM)], axis=-1)
            return box_stack, pose3d, pose2d

        def _camera(self, images: Any, intrinsic_matrix: Any, fov: Any) -> Any:
            count = tf.shape(images)[0]
            height = tf.cast(tf.shape(images)[1], tf.float32)
            width = tf.cast(tf.shape(images)[2], tf.float32)

            def from_fov() -> Any:
                focal = tf.maximum(width, height) / 2.0 / tf.tan(fov * 3.14159265 / 360.0)
                matrix = tf.stack(
                    [[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]]
                )
                return tf.tile(matrix[None], [count, 1, 1])

            given = tf.shape(intrinsic_matrix)[0]
            # Like MeTRAbs: one matrix for the whole batch, or one per image.
            return tf.cond(
                given == 0, from_fov, lambda: tf.broadcast_to(intrinsic_matrix, [count, 3, 3])
            )

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
            self,
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
            cameras = self._camera(images, intrinsic_matrix, default_fov_degrees)
            joints = self._joint_count(skeleton)
            count = tf.shape(images)[0]

            # One element per image, after an empty first one so that concat() is defined even
            # when no image in the batch holds anybody.
            def arrays(*shape: Any) -> Any:
                empty = tf.zeros([0, *shape])
                array = tf.TensorArray(tf.float32, size=count + 1, infer_shape=False)
                return array.write(0, empty)

            boxes, poses3d, poses2d = arrays(5), arrays(joints, 3), arrays(joints, 2)
            lengths = tf.TensorArray(tf.int32, size=count)
            for i in tf.range(count):
                b, p3, p2 = self._one_image(
                    images[i], cameras[i], skeleton, detector_threshold, num_aug
                )
                limit = tf.where(max_detections < 0, tf.shape(b)[0], max_detections)
                boxes = boxes.write(i + 1, b[:limit])
                poses3d = poses3d.write(i + 1, p3[:limit])
                poses2d = poses2d.write(i + 1, p2[:limit])
                lengths = lengths.write(i, tf.minimum(tf.shape(b)[0], limit))
            row_lengths = lengths.stack()
            flat_boxes = tf.reshape(boxes.concat(), [-1, 5])
            flat3 = tf.reshape(poses3d.concat(), [-1, joints, 3])
            flat2 = tf.reshape(poses2d.concat(), [-1, joints, 2])
            return {
                "boxes": tf.RaggedTensor.from_row_lengths(flat_boxes, row_lengths),
                "poses3d": tf.RaggedTensor.from_row_lengths(flat3, row_lengths),
                "poses2d": tf.RaggedTensor.from_row_lengths(flat2, row_lengths),
            }

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
            self,
            image,
            intrinsic_matrix=tf.zeros([3, 3]),
            skeleton="",
            detector_threshold=0.3,
            num_aug=5,
            max_detections=-1,
        ):
            given = tf.reduce_any(intrinsic_matrix != 0)
            matrix = tf.where(given, intrinsic_matrix[None], tf.zeros([0, 3, 3]))
            result = self.detect_poses_batched(
                image[None],
                intrinsic_matrix=matrix,
                skeleton=skeleton,
                detector_threshold=detector_threshold,
                num_aug=num_aug,
                max_detections=max_detections,
            )
            return {key: value[0] for key, value in result.items()}

    module = StandIn()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tf.saved_model.save(module, str(directory))
    return directory
