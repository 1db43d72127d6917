import { DynamicModule, Module } from '@nestjs/common';
import { EnsembleGrpcController } from './ensemble.controller';
import { EnsembleService } from './ensemble.service';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from './orchestrator.config';

@Module({})
export class OrchestratorModule {
  static forConfig(config: OrchestratorConfig): DynamicModule {
    return {
      module: OrchestratorModule,
      controllers: [EnsembleGrpcController],
      providers: [{ provide: ORCHESTRATOR_CONFIG, useValue: config }, EnsembleService],
    };
  }
}
