import { DynamicModule, Module } from '@nestjs/common';
import { BackendRegistry } from './backends/backend-registry.service';
import { EnsembleGrpcController } from './ensemble.controller';
import { EnsembleService } from './ensemble.service';
import { EvaluateService } from './evaluate/evaluate.service';
import { CandidateSelector } from './infill/candidate-selector';
import { EnsemblePipeline } from './infill/ensemble-pipeline';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from './orchestrator.config';

@Module({})
export class OrchestratorModule {
  static forConfig(config: OrchestratorConfig): DynamicModule {
    return {
      module: OrchestratorModule,
      controllers: [EnsembleGrpcController],
      providers: [
        { provide: ORCHESTRATOR_CONFIG, useValue: config },
        BackendRegistry,
        EnsemblePipeline,
        CandidateSelector,
        EvaluateService,
        EnsembleService,
      ],
    };
  }
}
