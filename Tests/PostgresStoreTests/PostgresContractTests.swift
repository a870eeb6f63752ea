import Foundation
import PaperStore
import PostgresStore
import StoreContract
import Testing

/// The store contract (Tests/StoreContract) against PostgreSQL, a fresh database for every check. One check at a
/// time: each opens its own connection pool, and the machines that run these have two cores.
@Suite("Store contract: PostgreSQL", .serialized, .enabled(if: TestPostgres.serverURL != nil, TestPostgres.skipReason))
struct PostgresContractTests {
    @Test(arguments: StoreContract.checks)
    func contract(_ check: StoreContractCheck) async throws {
        try await withFreshStores { stores in
            try await check.run { try await stores.make() }
        }
    }
}
