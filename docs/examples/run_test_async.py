import time
import requests
def run_test_async(test_plan_id, project_id):
    # Start execution
    response = requests.post(
        'https://api.bugbrain.tech/api/v1/executions/async',
        headers={'Authorization': f'Bearer {api_key}'},
        json={
            'test_plan_id': test_plan_id,
            'project_id': project_id
        }
    )
    execution_id = response.json()['id']
    print(f"Started execution: {execution_id}")
    # Poll for results
    max_wait = 600 # 10 minutes
    elapsed = 0
    while elapsed < max_wait:
        response = requests.get(
            f'https://api.bugbrain.tech/api/v1/executions/{execution_id}/status',
            headers={'Authorization': f'Bearer {api_key}'}
        )
        status = response.json()
        if status['status'] in ['completed', 'failed', 'cancelled']:
            return status
        progress = status.get('progress', {})
        print(f"Progress: {progress.get('percent', 0)}%")
        time.sleep(5)
        elapsed += 5
    raise TimeoutError(f"Test execution did not complete within {max_wait}s")
