import { DynamicModule, Module } from '@nestjs/common';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { ModelServiceGrpcController } from './model-service.controller';
import { ModelRuntime } from './model-runtime.service';
import { ModelService } from './model.service';
import { MODEL_SERVER_CONFIG, MODEL_SERVER_PROFILE } from './tokens';

@Module({})
export class ModelServerModule {
  static forProfile(profile: ModelServerProfile, config: ModelServerConfig): DynamicModule {
    return {
      module: ModelServerModule,
      controllers: [ModelServiceGrpcController],
      providers: [
        { provide: MODEL_SERVER_PROFILE, useValue: profile },
        { provide: MODEL_SERVER_CONFIG, useValue: config },
        ModelRuntime,
        ModelService,
      ],
    };
  }
}
