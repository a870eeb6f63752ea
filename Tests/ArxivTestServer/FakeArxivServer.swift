import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A fake arXiv on a free loopback port (a library for the test targets: the client tests and the CLI tests): answers each request with what the test's script says (recorded
/// fixtures, or faults), and keeps its own timestamps of when each request arrived.
public final class FakeArxivServer: @unchecked Sendable {
    public struct Received: Sendable {
        public var path: String
        public var query: [String: String]
        public var headers: [String: String]
        /// Monotonic seconds (the same origin as `SystemArxivClock.now()`), when the request head arrived.
        public var at: Double
    }

    public enum Reply: Sendable {
        case body(
            Data, status: Int = 200, contentType: String = "text/xml; charset=utf-8", headers: [(String, String)] = [])
        /// Announces the whole body's length, sends `bytes` of it, then resets the connection.
        case resetMidBody(Data, bytes: Int)
        /// Says nothing for `seconds`, then replies (nil: never).
        indirect case stall(seconds: Double, then: Reply?)
    }

    public typealias Script = @Sendable (_ request: Received, _ index: Int) -> Reply

    private let script: Script
    private let lock = NSLock()
    private var log: [Received] = []
    private var channel: Channel?
    public private(set) var port = 0

    public init(script: @escaping Script) {
        self.script = script
    }

    public var received: [Received] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func start() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeHandler(server: self))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await channel?.close()
    }

    /// Records the request and returns the scripted reply.
    fileprivate func handle(uri: String, headers: HTTPHeaders) -> Reply {
        let components = URLComponents(string: "http://fake" + uri)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        var headerMap: [String: String] = [:]
        for (name, value) in headers { headerMap[name.lowercased()] = value }
        let request = Received(
            path: components?.path ?? uri, query: query, headers: headerMap,
            at: Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
        lock.lock()
        let index = log.count
        log.append(request)
        lock.unlock()
        return script(request, index)
    }
}

private final class FakeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: FakeArxivServer
    private var pending: FakeArxivServer.Reply?

    init(server: FakeArxivServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending = server.handle(uri: head.uri, headers: head.headers)
        case .body:
            break
        case .end:
            if let reply = pending { send(reply, context: context) }
            pending = nil
        }
    }

    private func send(_ reply: FakeArxivServer.Reply, context: ChannelHandlerContext) {
        switch reply {
        case .body(let data, let status, let contentType, let extra):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(data.count))
            for (name, value) in extra { headers.add(name: name, value: value) }
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: data)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .resetMidBody(let data, let bytes):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
            headers.add(name: "Content-Length", value: String(data.count))
            let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: data.prefix(bytes))))))
                .whenComplete { _ in
                    // SO_LINGER 0: close sends a TCP reset instead of an orderly FIN.
                    guard let provider = bound.value.channel as? SocketOptionProvider else {
                        bound.value.close(promise: nil)
                        return
                    }
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                        bound.value.close(promise: nil)
                    }
                }
        case .stall(let seconds, let then):
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                guard let then, bound.value.channel.isActive else { return }
                handler.value.send(then, context: bound.value)
            }
        }
    }
}
