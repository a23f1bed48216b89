import type pg from 'pg';

/**
 * Runs `body` inside BEGIN … COMMIT on one pooled client (a transaction lives on one connection;
 * pool.query could send each statement to a different one). Anything thrown rolls back and is
 * rethrown unchanged.
 */
export async function withTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw err;
  } finally {
    // A client whose ROLLBACK failed is in an unknown state: the pool discards it instead of reusing it.
    client.release(broken);
  }
}
