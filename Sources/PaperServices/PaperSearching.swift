/// What the web layer and the digests ask of paper search; `PaperSearchEngine` is the implementation, and
/// controllers are generic over this protocol so that they see nothing else of the engine.
public protocol PaperSearching: Sendable {
    /// The index has caught up with the store once since start-up.
    var isReady: Bool { get }
    /// Papers in the lexical index, and papers with vectors.
    var status: (documents: Int, vectors: Int) { get }
    func search(_ request: SearchRequest) async throws -> SearchResponse
    func fieldedMatches(_ query: FieldedQuery) async throws -> [String: Float]
    /// Papers most similar to a stored paper, excluding itself.
    func similar(to paperID: String, limit: Int) -> [SearchHit]
}

extension PaperSearchEngine: PaperSearching {}
