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
    /// The CSRF token every state-changing form must echo: the session's own when signed in, else the
    /// double-submit `pb_csrf` cookie (see `SessionMiddleware`).
    public var csrfToken = ""
    /// The CSRF token is the signed-in session's (not the anonymous double-submit cookie).
    public var csrfBoundToSession = false
    /// Whether cookies set for this request get the Secure attribute (decided once, by `SessionMiddleware`).
    public var secureCookies = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
