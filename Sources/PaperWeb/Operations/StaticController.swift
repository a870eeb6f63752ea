import Foundation
import Hummingbird

/// Serves the stylesheet and the progressive-enhancement script (read once at start) with a cache lifetime.
/// A missing resource stops start-up: a page without its stylesheet or script is a broken build, not a request
/// error.
struct StaticController: Sendable {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        let body: String
    }

    static let files = [("paperboy.css", "text/css; charset=utf-8"), ("paperboy.js", "text/javascript; charset=utf-8")]
    let assets: [Asset]

    init() throws {
        assets = try Self.files.map { name, type in
            guard let url = Bundle.module.resourceURL?.appendingPathComponent("Static/\(name)"),
                let body = try? String(contentsOf: url, encoding: .utf8), !body.isEmpty
            else { throw StaticResourceError(name: name) }
            return Asset(path: "/static/\(name)", contentType: type, body: body)
        }
    }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        for asset in assets {
            router.get(RouterPath(asset.path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                    body: .init(byteBuffer: ByteBuffer(string: asset.body)))
            }
        }
    }
}

struct StaticResourceError: Error, CustomStringConvertible {
    let name: String
    var description: String { "the web resource Static/\(name) is missing from the build" }
}

/// `GET /openapi.json`: the OpenAPI 3.1 description of every JSON endpoint (written by scripts/make-openapi.py,
/// validated by the tests). The error codes and types come from the catalog here, when the document is loaded, so
/// the document never lists a code the server does not answer with, or misses one.
struct OpenAPIController: Sendable {
    let document: String

    init() throws {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Static/openapi.json"),
            let data = try? Data(contentsOf: url),
            var root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            var components = root["components"] as? [String: Any],
            var schemas = components["schemas"] as? [String: Any],
            var code = schemas["ErrorCode"] as? [String: Any], var type = schemas["ErrorType"] as? [String: Any]
        else { throw StaticResourceError(name: "openapi.json (with components.schemas.ErrorCode and ErrorType)") }
        code["enum"] = ErrorCode.allCases.map(\.rawValue)
        type["enum"] = ErrorType.allCases.map(\.rawValue)
        schemas["ErrorCode"] = code
        schemas["ErrorType"] = type
        components["schemas"] = schemas
        root["components"] = components
        let encoded = try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
        document = String(decoding: encoded, as: UTF8.self)
    }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        let document = self.document
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }
}
