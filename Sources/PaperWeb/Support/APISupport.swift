import Crypto
import Foundation
import Hummingbird
import PaperModel
import PaperStore
import PaperSupport

/// JSON responses with the same encoder everywhere (stable key order, URLs unescaped).
struct JSONBody<Value: Encodable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let value: Value

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Timestamps as the Hugging Face Hub writes them and its client parses them: `2026-05-30T12:00:00.000Z`
/// (always UTC, always milliseconds; an offset such as `+00:00` breaks `huggingface_hub`).
enum Timestamp {
    static func hub(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = ms - seconds * 1000
        let c = Day.calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
            Int(millis))
    }

    /// RFC 3339 without fractions, as Atom and the arXiv API write it: `2026-05-30T12:00:00Z`.
    static func atom(_ date: Date) -> String {
        let c = Day.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// RFC 822 as RSS 2.0 wants it: `Sat, 30 May 2026 12:00:00 +0000`.
    static func rss(_ date: Date) -> String {
        let c = Day.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(
            format: "%@, %02d %@ %04d %02d:%02d:%02d +0000", days[c.weekday! - 1], c.day!, months[c.month! - 1],
            c.year!,
            c.hour!, c.minute!, c.second!)
    }
}

/// Reading query parameters of API requests, with 400s that say what was wrong.
struct APIQuery {
    let values: FormQuery

    init(_ request: Request) {
        values = FormQuery(request.uri.query ?? "")
    }

    /// The value, nil when absent or empty (clients send `?date=&week=` for "not given").
    subscript(_ name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = self[name] else { return value }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
            throw WebError.invalidParameter(
                "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(text.prefix(40).debugDescription)"
            )
        }
        return n
    }

    func text(_ name: String, maxLength: Int = 1_000) throws -> String? {
        guard let v = self[name] else { return nil }
        guard v.count <= maxLength else {
            throw WebError.invalidParameter("\(name) is longer than \(maxLength) characters")
        }
        guard !v.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) else {
            throw WebError.invalidParameter("\(name) contains control characters")
        }
        return v
    }
}

/// Where absolute links point: the configured public URL, or the scheme and Host of the request.
func baseURL(_ request: Request, _ configuration: WebConfiguration) -> String {
    if let url = configuration.publicURL { return url }
    let host =
        request.head.authority.flatMap { h in
            h.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) && !h.isEmpty ? h : nil
        } ?? "\(configuration.host):\(configuration.port)"
    let scheme = request.headers[.init("X-Forwarded-Proto")!] == "https" ? "https" : "http"
    return "\(scheme)://\(host)"
}

extension Throttle where Key == String {
    /// One request for `key`: nil when allowed (and counted), else the whole seconds to wait (at least 1), for
    /// `Retry-After`.
    func takeOrWait(_ key: String, now: Date? = nil) -> Int? {
        take(key, now: now).map { max(1, Int($0.rounded(.up))) }
    }
}

/// The limits applied to API, feed and write requests.
public struct APILimits: Sendable, Equatable {
    /// Requests to the JSON APIs, feeds and the arXiv-compatible query API per client IP address, per minute
    /// (writes count here too, on top of their per-token limit).
    public var readsPerMinute: Int
    /// Writes with an access token, per token, per minute.
    public var writesPerMinute: Int

    public init(readsPerMinute: Int = 600, writesPerMinute: Int = 60) {
        self.readsPerMinute = readsPerMinute
        self.writesPerMinute = writesPerMinute
    }
}

extension AccessTokenSecret {
    /// The token of `Authorization: Bearer pb_...`, nil when the header is absent or not ours.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return isWellFormed(token) ? token : nil
    }
}
