import Foundation
import PaperSupport

public protocol MailTransport: Sendable {
    /// Delivers one message to `message.to`; throws DeliveryError (transient: 4xx, connection/timeouts;
    /// permanent: 5xx).
    func send(_ message: MailMessage) async throws
}

/// Delivers nothing: renders each message like a real transport would (so an invalid message fails here too) and
/// drops it. For dry runs and previews, where the pipeline needs a transport but no mail may leave.
public struct DryRunMailTransport: MailTransport {
    public init() {}

    public func send(_ message: MailMessage) async throws {
        _ = try message.renderedForDelivery()
    }
}

/// Delivers into a directory: each message becomes `<directory>/<timestamp>-<sanitized messageID>.eml`, written
/// to a temporary file first and renamed into place, so a reader never sees half a message. For running
/// Paperboy without an SMTP server: the mail still ends up somewhere visible.
public struct FileMailTransport: MailTransport {
    let directory: URL
    /// Names the files (their delivery time), so they sort in delivery order.
    let clock: WallClock

    public init(directory: URL, clock: WallClock = .system) {
        self.directory = directory
        self.clock = clock
    }

    public func send(_ message: MailMessage) async throws {
        let rendered = try message.renderedForDelivery()
        let name = "\(Self.timestamp(clock.now()))-\(Self.sanitize(MailMessage.bareMessageID(message.messageID))).eml"
        let destination = directory.appendingPathComponent(name)
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(rendered.utf8).write(to: temporary)
            guard rename(temporary.path, destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw DeliveryError(
                    kind: .transient, replyCode: nil, message: "cannot move mail into \(destination.path): \(reason)")
            }
        } catch let error as DeliveryError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DeliveryError(
                kind: .transient, replyCode: nil, message: "cannot write mail to \(directory.path): \(error)")
        }
    }

    /// `20261127T050748.123Z`: sorts by delivery time.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func pad(_ n: Int?, _ width: Int) -> String {
            let s = String(n ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "." + pad((c.nanosecond ?? 0) / 1_000_000, 3) + "Z"
    }

    /// Letters, digits, `.`, `-`, `_`, `@` and `+` kept; anything else (slashes above all) becomes `_`.
    static func sanitize(_ id: String) -> String {
        let kept = id.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", "@", "+": return Character(scalar)
            default: return "_"
            }
        }
        var name = String(kept.prefix(180))
        while name.hasPrefix(".") { name = "_" + name.dropFirst() }
        return name.isEmpty ? "message" : name
    }
}
