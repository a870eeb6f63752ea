import Hummingbird
import Logging
import NIOCore
import PaperModel

/// Paperboy's request context: who is asking (from the session cookie) and the CSRF token their forms carry.
public struct PaperboyRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer, for per-address rate limits.
    public let remoteAddress: SocketAddress?
    /// The logged-in user, nil for visitors.
    public var viewer: User?
    /// The session token hash of the logged-in user (to end exactly this session on logout).
    public var sessionTokenHash: String?
    /// The double-submit CSRF token: the `pb_csrf` cookie, which every state-changing form must echo.
    public var csrfToken = ""
    /// Whether cookies set for this request get the Secure attribute (decided once, by `SessionMiddleware`).
    public var secureCookies = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
