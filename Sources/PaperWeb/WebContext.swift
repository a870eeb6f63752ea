import Hummingbird
import Logging

/// Paperboy's request context; later flows (sessions, tokens) add their fields here.
public struct PaperboyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
