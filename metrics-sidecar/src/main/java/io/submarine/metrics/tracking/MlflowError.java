package io.submarine.metrics.tracking;

/** A call refused as MLflow's server refuses it: the HTTP status, MLflow's error code, and what is wrong. */
final class MlflowError extends RuntimeException {

    private final int status;
    private final String code;

    MlflowError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static MlflowError invalid(String message) {
        return new MlflowError(400, "INVALID_PARAMETER_VALUE", message);
    }

    static MlflowError notFound(String message) {
        return new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
