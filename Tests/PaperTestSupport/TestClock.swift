@_exported import PaperSupport

// The test clock is `ManualClock` (PaperSupport, re-exported here): `ManualClock(start)`, `advance(by:)`, `set(_:)`,
// and `wallClock` to inject wherever a `WallClock` is taken; `{ clock.now }` where a `() -> Date` closure is.
