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

/// `GET /openapi.json`: the OpenAPI 3.1 description of every JSON endpoint (written by scripts/make-openapi.py,
/// validated by the tests).
struct OpenAPIController: Sendable {
    let document: String

    init() {
        let url = Bundle.module.resourceURL?.appendingPathComponent("Static/openapi.json")
        document = url.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? "{}"
    }

    func addRoutes(to router: Router<PaperboyRequestContext>) {
        let document = self.document
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }
}
