import Foundation
import Synchronization

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and CI stay clean).
final class ProgressBar: Sendable {
    enum Unit { case bytes, count }

    private let label: String
    private let unit: Unit
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private let lastDraw = Mutex(Date.distantPast)

    init(label: String, unit: Unit = .bytes) {
        self.label = label
        self.unit = unit
    }

    func update(done: Int64, total: Int64) {
        guard enabled else { return }
        // Measuring progress, not behaviour: the real clock. Drawn under the lock so lines never interleave.
        lastDraw.withLock { lastDraw in
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
            lastDraw = now
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let elapsed = now.timeIntervalSince(started)
            let eta = fraction > 0.01 ? elapsed / fraction - elapsed : 0
            let line = String(
                format: "\r%@ %@ %3.0f%%  %@ / %@  ETA %.0fs ", label, bar, fraction * 100, amount(done),
                amount(total), eta)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    private func amount(_ n: Int64) -> String {
        switch unit {
        case .bytes: ByteCountFormatter.string(fromByteCount: n, countStyle: .file)
        case .count: "\(n)"
        }
    }
}
