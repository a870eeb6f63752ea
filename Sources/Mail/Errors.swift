/// A message or configuration that Paperboy refuses to put on the wire.
public struct MailError: Error, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not a single, plain `local@domain` address.
        case invalidAddress
        /// CR, LF, NUL or another control character where it could start a new header or command.
        case headerInjection
        /// A header name or value that is not allowed (bad characters, reserved name, non-ASCII value).
        case invalidHeader
        /// An SMTP URL or setting that cannot work.
        case invalidConfiguration
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Why a message was not delivered. `transient` failures may succeed later (4xx replies, refused or dropped
/// connections, timeouts, TLS failures); `permanent` ones will not (5xx replies, messages that cannot be rendered).
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case transient, permanent }

    public let kind: Kind
    /// The SMTP reply code when the server answered (451, 550, ...).
    public let replyCode: Int?
    public let message: String

    public init(kind: Kind, replyCode: Int?, message: String) {
        self.kind = kind
        self.replyCode = replyCode
        self.message = message
    }

    public var description: String {
        if let replyCode { return "\(kind.rawValue) delivery failure (\(replyCode)): \(message)" }
        return "\(kind.rawValue) delivery failure: \(message)"
    }

    /// A message that fails to render is not going to render on a retry either.
    static func invalidMessage(_ error: MailError) -> DeliveryError {
        DeliveryError(kind: .permanent, replyCode: nil, message: "message not sent: \(error)")
    }
}

extension MailMessage {
    /// The rendered message for a transport to send; a message that cannot render fails permanently
    /// (`DeliveryError.invalidMessage`), since a retry would not render it either.
    func renderedForDelivery() throws -> String {
        do {
            return try rendered()
        } catch let error as MailError {
            throw DeliveryError.invalidMessage(error)
        }
    }
}
