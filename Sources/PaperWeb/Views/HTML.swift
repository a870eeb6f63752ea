import Hummingbird

/// A rendered HTML page as a response.
struct HTML: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let body: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
