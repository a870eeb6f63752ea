import Foundation
import Hummingbird

/// Serves the stylesheet (read once at start) with a cache lifetime.
struct StaticController: Sendable {
    let stylesheet: String

    init() {
        let url = Bundle.module.resourceURL?.appendingPathComponent("Static/paperboy.css")
        stylesheet = url.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
    }

    func addRoutes(to router: Router<PaperboyRequestContext>) {
        let css = stylesheet
        router.get("/static/paperboy.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: css)))
        }
    }
}
