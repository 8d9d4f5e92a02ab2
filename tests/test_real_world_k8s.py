"""Regressions found by scanning real model-serving manifests (KServe, KubeRay, vLLM, Triton, TorchServe,
Seldon). Every input here is small and synthetic, written for the test: it reproduces the shape that was
misjudged, never a copied file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditor.report import Report
from auditor.scan import ScanOptions, run_scan

TODAY = dt.date(2026, 11, 25)
LITERAL_TOKEN = "hf_" + "Zq8RkT3vLmN6pWx2YbC9dF4gH7jK1sA5eU0i"  # a made-up Hugging Face token shape


def _scan(tmp_path: Path, text: str, name: str = "m.yaml") -> Report:
    (tmp_path / name).write_text(text)
    return run_scan(ScanOptions(inputs=(str(tmp_path),), select=("KUBERNETES",), today=TODAY))


def _got(report: Report, code: str) -> list[tuple[str, str, int | None]]:
    return sorted((f.status, f.resource, f.location.line) for f in report.findings if f.rule == code)


WEB_UI_UNDER_SERVING_ORG = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: models-ui, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: ui
          image: kserve/models-web-app:0.14.0
          livenessProbe:
            httpGet: {path: /healthz, port: 5000}
"""


def test_web_ui_of_a_serving_project_is_not_a_model_server(tmp_path: Path) -> None:
    # the image names the KServe org but is a web UI: OPS-STARTUP does not apply to it
    report = _scan(tmp_path, WEB_UI_UNDER_SERVING_ORG)
    assert _got(report, "K8S027") == []  # not applicable: not listed
    # the same shape with one of the project's model-server images is judged
    report = _scan(tmp_path, WEB_UI_UNDER_SERVING_ORG.replace("models-web-app", "sklearnserver"))
    assert _got(report, "K8S027") == [("fail", "Deployment serving/models-ui", 10)]


VLLM_BY_ARGS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: llm, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: server
          image: registry.example.com/base/python-gpu:3.11
          command: ["vllm"]
          args: ["serve", "org/some-model", "--port", "8000"]
          livenessProbe:
            httpGet: {path: /health, port: 8000}
            initialDelaySeconds: 10
"""


def test_model_server_recognised_by_its_command(tmp_path: Path) -> None:
    report = _scan(tmp_path, VLLM_BY_ARGS)
    assert _got(report, "K8S027") == [("fail", "Deployment serving/llm", 12)]


RAY_SERVICE = f"""\
apiVersion: ray.io/v1
kind: RayService
metadata: {{name: llm, namespace: serving}}
spec:
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers:
            - name: head
              image: rayproject/ray:2.40.0
              env:
                - name: HF_TOKEN
                  valueFrom:
                    secretKeyRef: {{name: hf, key: token}}
    workerGroupSpecs:
      - groupName: gpu
        template:
          spec:
            securityContext: {{runAsNonRoot: true}}
            containers:
              - name: worker
                image: rayproject/ray:latest
                env:
                  - name: HF_TOKEN
                    value: {LITERAL_TOKEN}
                resources:
                  limits: {{nvidia.com/gpu: 1}}
"""


def test_ray_service_containers_are_judged_in_every_group(tmp_path: Path) -> None:
    report = _scan(tmp_path, RAY_SERVICE)
    res = "RayService serving/llm"
    # the worker inherits runAsNonRoot from its own group's pod spec; the head does not have it
    assert _got(report, "K8S001") == [("fail", res, 10)]
    # a literal token in the worker env fails at its line; the head's secretKeyRef passes
    assert _got(report, "K8S016") == [("fail", res, 26)]
    assert _got(report, "K8S002") == [("fail", res, 23)]
    # replicas, autoscaling and disruption budgets belong to the operator: not judged on the CR
    assert _got(report, "K8S030") == [] and _got(report, "K8S031") == [] and _got(report, "K8S025") == []
    text = report.model_dump_json()
    assert LITERAL_TOKEN not in text


INFERENCE_SERVICE = f"""\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: custom, namespace: serving}}
spec:
  predictor:
    containers:
      - name: kserve-container
        image: registry.example.com/ml/predictor:1.2.0
        env:
          - name: API_KEY
            value: {LITERAL_TOKEN}
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: framework, namespace: serving}}
spec:
  predictor:
    model:
      modelFormat: {{name: pytorch}}
      storageUri: pvc://models/resnet
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: hf, namespace: serving}}
spec:
  predictor:
    model:
      modelFormat: {{name: huggingface}}
      env:
        - name: HF_TOKEN
          valueFrom:
            secretKeyRef: {{name: hf, key: token}}
        - name: HF_HOME
          value: /tmp/hf
        - name: HUGGING_FACE_HUB_TOKEN
          value: {LITERAL_TOKEN}
"""


def test_inference_service_containers_and_model_shorthand_are_judged(tmp_path: Path) -> None:
    report = _scan(tmp_path, INFERENCE_SERVICE)
    assert _got(report, "K8S016") == [("fail", "InferenceService serving/custom", 11),
                                      ("fail", "InferenceService serving/hf", 36),
                                      ("pass", "InferenceService serving/framework", 13)]
    # the rest of the model server container comes from the ServingRuntime: not judged on the shorthand
    assert _got(report, "K8S001") == [("fail", "InferenceService serving/custom", 7),
                                      ("not_assessed", "InferenceService serving/framework", 13),
                                      ("not_assessed", "InferenceService serving/hf", 22)]
    finding = next(f for f in report.findings if f.rule == "K8S001" and f.status == "not_assessed")
    assert "ServingRuntime" in finding.message


SERVING_RUNTIME = """\
apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata: {name: llm-runtime}
spec:
  supportedModelFormats: [{name: vLLM, autoSelect: true}]
  containers:
    - name: kserve-container
      image: vllm/vllm-openai:v0.6.3
      args: ["--model=/mnt/models"]
      livenessProbe:
        httpGet: {path: /health, port: 8080}
      startupProbe:
        httpGet: {path: /health, port: 8080}
        failureThreshold: 60
---
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: no-startup, namespace: serving}
spec:
  containers:
    - name: kserve-container
      image: nvcr.io/nvidia/tritonserver:24.08-py3
      livenessProbe:
        httpGet: {path: /v2/health/live, port: 8080}
"""


def test_serving_runtime_probes_are_judged(tmp_path: Path) -> None:
    report = _scan(tmp_path, SERVING_RUNTIME)
    assert _got(report, "K8S027") == [("fail", "ServingRuntime serving/no-startup", 23),
                                      ("pass", "ClusterServingRuntime llm-runtime", 1)]


OPERATOR_PLACEHOLDERS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: device-plugin, namespace: gpu}
spec:
  template:
    spec:
      containers:
        - name: plugin
          image: "FILLED BY THE OPERATOR"
        - name: helper
          image: IMAGE_NAME
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: mixed, namespace: gpu}
spec:
  template:
    spec:
      containers:
        - name: plugin
          image: IMAGE_NAME
        - name: sidecar
          image: busybox
"""


def test_image_placeholders_are_not_judged_as_untagged(tmp_path: Path) -> None:
    report = _scan(tmp_path, OPERATOR_PLACEHOLDERS)
    assert _got(report, "K8S002") == [("fail", "DaemonSet gpu/mixed", 23),
                                      ("not_assessed", "DaemonSet gpu/device-plugin", 1)]


BIG_MEMORY_DATABASE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: vectordb, namespace: rag}
spec:
  template:
    spec:
      containers:
        - name: db
          image: registry.example.com/db/vector-store:2.4.17
          resources:
            requests: {cpu: "2", memory: 8Gi}
            limits: {memory: 16Gi}
          livenessProbe:
            httpGet: {path: /healthz, port: 9091}
            initialDelaySeconds: 30
"""


def test_memory_alone_does_not_make_a_model_server(tmp_path: Path) -> None:
    report = _scan(tmp_path, BIG_MEMORY_DATABASE)
    assert _got(report, "K8S027") == []
    # the same container with a model named in its env is judged
    with_model = BIG_MEMORY_DATABASE.replace("          livenessProbe:", "          env: [{name: MODEL_PATH, value: /models/m}]\n"
                                             "          livenessProbe:")
    report = _scan(tmp_path, with_model)
    assert _got(report, "K8S027") == [("fail", "Deployment rag/vectordb", 14)]


DOC_PLACEHOLDERS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: llm, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          env:
            - {name: HF_TOKEN, value: your-hf-token}
            - {name: HUGGING_FACE_HUB_TOKEN, value: hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}
            - {name: OPENAI_API_KEY, value: EMPTY}
            - {name: GITHUB_TOKEN, value: REPLACE_WITH_YOUR_TOKEN}
            - {name: HF_HOME, value: /data/hf}
            - {name: MAX_TOTAL_TOKENS, value: "4096"}
            - {name: MINIO_SECRET_KEY, value: minioadmin}
"""


def test_documentation_placeholders_are_not_secrets(tmp_path: Path) -> None:
    # fillers from READMEs are not secrets; a real default credential still is
    report = _scan(tmp_path, DOC_PLACEHOLDERS)
    assert _got(report, "K8S016") == [("fail", "Deployment serving/llm", 17)]


LLM_INFERENCE_SERVICE = f"""\
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {{name: coder, namespace: serving}}
spec:
  model: {{uri: "hf://org/model"}}
  template:
    containers:
      - name: main
        image: ghcr.io/example/llm-cuda:v0.8.1
        env:
          - name: HF_TOKEN
            value: {LITERAL_TOKEN}
  prefill:
    template:
      containers:
        - name: main
          image: ghcr.io/example/llm-cuda:latest
---
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {{name: from-config, namespace: serving}}
spec:
  model: {{uri: "hf://org/model"}}
  baseRefs: [{{name: shared-llm-template}}]
"""


def test_llm_inference_service_templates_are_judged(tmp_path: Path) -> None:
    report = _scan(tmp_path, LLM_INFERENCE_SERVICE)
    assert _got(report, "K8S016") == [("fail", "LLMInferenceService serving/coder", 12),
                                      ("not_assessed", "LLMInferenceService serving/from-config", 19)]
    assert _got(report, "K8S002") == [("fail", "LLMInferenceService serving/coder", 17),
                                      ("not_assessed", "LLMInferenceService serving/from-config", 19)]
