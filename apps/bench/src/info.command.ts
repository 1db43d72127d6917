import { createClient, unaryCall } from '@ensemble/grpc';
import { GetModelInfoResponse, MODEL_SERVICE } from '@ensemble/proto';

/** ensemble.v1.ModelService/GetModelInfo against a model server. */
export async function modelInfo(target: string, timeoutMs: number): Promise<GetModelInfoResponse> {
  const client = createClient(MODEL_SERVICE, target);
  try {
    return await unaryCall<GetModelInfoResponse>(client, 'GetModelInfo', {}, { timeoutMs });
  } finally {
    client.close();
  }
}
