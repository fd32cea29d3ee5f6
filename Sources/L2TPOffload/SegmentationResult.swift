// SPDX-License-Identifier: GPL-2.0-only
// The verdict of splitting one super-frame.

/// What `SegmentBatch.split` made of a super-frame.
public enum SegmentationResult: Equatable, Sendable {
    /// The batch now holds this many wire-ready segments (at least 1).
    case segments(Int)
    /// The frame was refused; the batch holds no segments.
    case invalid(OffloadError)
}
