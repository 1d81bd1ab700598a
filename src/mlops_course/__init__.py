"""The MLOps course package: what is about the course and about teaching.

The bike-demand system itself (data and splits, features, training, the gate and registry, the
API, request log and metrics, ONNX export, the pipeline, monitoring and the dashboard) is NOT
here: it is `mlproject`, in `project_template/src/mlproject`, the code students fork. Teaching
modules below build on mlproject's types and never copy them.

Sprint -> the modules that serve its walkthroughs and labs
    00 start here      datasets, doctor
    01 tracking        tracking, cards, versioning, comparisons, stories
    02 containers, CI  containers/ (lint, dockerfile, policy, context, layers, workflows, example)
    03 API             serving, skew, point_in_time
    04 serving         loadtest, abtest, routing, slo, caching, batching, onnx_export, deploy
    05 pipelines and   pipelines (the kfp.local harness), drift, monitoring, spot
       monitoring
    06 LLMOps          llm, rag, guardrails, gateway, assistant, llm_eval, streaming, judge,
                       agent
(serving, routing, slo, monitoring, pipelines and onnx_export keep only what teaches or runs
mlproject in a notebook: a bundle loader and a background uvicorn, a canary router, SLO maths,
the kfp.local harness, a dashboard server, the models that show why parity is checked.)

Teaching: the sprint modules above (statistics by hand, the load-test harness, A/B maths,
routing experiments, the container checks, the LLM helpers).

Course machinery, used by every sprint and by CI rather than taught:
    settings      every path and port, in one place
    datasets      bundled datasets, verified against their data cards
    notebooks     the notebook harness: papermill in fast mode, runtime budgets
    servers       real servers started in the background and always stopped
    environment   the pinned lock and Binder's copy of it
    doctor        `mlops-course doctor`: the environment checked, with fixes
    llm_runtime   sprint 06's compiled llama.cpp runtime, installed after everything else
    hub           a class on one JupyterHub: the spawn hook and settings of `hub/`
    site          `./course site`: the static course site from READMEs and executed notebooks
    grading/      nbgrader-based release, self-check, autograding engine, soundness checks
                  (its own map is in `mlops_course.grading`)
    cli           the `mlops-course` command
    schemas/      JSON Schemas for cards and CI workflows
"""

__version__ = "0.1.0"
