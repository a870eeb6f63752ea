import Dispatch
import Foundation
import Testing

@testable import VectorIndex

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("searches run while other threads upsert, remove and rebuild")
    func readersAndWriters() throws {
        let dim = 16
        let index = VectorIndex(dimension: dim)
        let vs = randomUnitVectors(4000, dim: dim, seed: 501)
        for (i, v) in vs.prefix(2000).enumerated() { try index.upsert(key: "s\(i)", vector: v) }
        index.buildApproximate(parameters: HNSWParameters(m: 8, efConstruction: 40, seed: 1))
        let failures = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            switch worker {
            case 0:
                for (i, v) in vs[2000...].enumerated() { try? index.upsert(key: "w\(i)", vector: v) }
            case 1:
                for i in stride(from: 0, to: 2000, by: 2) { index.remove(key: "s\(i)") }
            default:
                for (i, q) in vs.prefix(300).enumerated() {
                    let exact = (try? index.search(q, k: 5)) ?? []
                    let approx = (try? index.searchApproximate(q, k: 5, ef: 32)) ?? []
                    if exact.count != 5 || approx.isEmpty { failures.add() }
                    // Results are sorted best first even while the index changes underneath.
                    if zip(exact, exact.dropFirst()).contains(where: { $0.score < $1.score }) { failures.add() }
                    if i % 100 == 0 { _ = index.similar(to: "s1", k: 3) }
                }
            }
        }
        #expect(failures.value == 0)
        #expect(index.count == 2000 - 1000 + 2000)
        for i in stride(from: 0, to: 2000, by: 2) {
            #expect(try index.search(vs[i], k: 3).allSatisfy { $0.key != "s\(i)" })
        }
    }
}

final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
